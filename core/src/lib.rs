//! `sanitizers._core`: the sanitizer's hot paths in Rust, one output for one input as the
//! Python they replace had (the fakes of a key stay the fakes of that key).

mod address;
mod card;
mod classes;
mod columns;
mod email;
mod fakes;
mod finder;
mod gate;
mod iban;
mod ip;
mod ip_find;
mod known;
mod letter_pools;
mod letters;
mod literal;
mod mt;
mod names;
mod pattern;
mod percent;
mod phone;
mod prefilter;
mod python;
mod remember;
mod secrets;
mod ssn;
mod tree;
mod url;
mod user_id;
mod username;
mod walk;

use std::borrow::Cow;

use std::collections::HashMap;

use hmac::{Hmac, Mac};
use pyo3::exceptions::{PyIndexError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{IntoPyDict, PyDict, PyList, PySet, PyString};
use sha2::Sha256;

/// The secret key, hashed into HMAC-SHA256's inner and outer states once: every value's seed
/// and keyed hash continues from a copy of them.
#[pyclass(module = "sanitizers._core", frozen)]
struct Keyed {
    mac: Hmac<Sha256>,
}

#[pymethods]
impl Keyed {
    #[new]
    fn new(key: &[u8]) -> Self {
        Keyed { mac: Hmac::new_from_slice(key).expect("HMAC takes a key of any length") }
    }

    /// The generator for ``message``: ``random.Random`` seeded with the first 16 bytes of its
    /// HMAC, read as a big-endian integer.
    fn rng(&self, message: &Bound<'_, PyString>) -> PyResult<Rng> {
        Ok(Rng { mt: mt::Mt::from_be_bytes(&self.digest(message)?[..16]) })
    }

    /// The HMAC of ``message`` in hex.
    fn hexdigest(&self, message: &Bound<'_, PyString>) -> PyResult<String> {
        Ok(self.digest(message)?.iter().map(|b| format!("{b:02x}")).collect())
    }
}

impl Keyed {
    /// HMAC of the message's UTF-8 bytes; a lone surrogate (which ``str.encode()`` refuses, so a
    /// value holding one blocked its event) is hashed as UTF-8 would encode it.
    fn digest(&self, message: &Bound<'_, PyString>) -> PyResult<[u8; 32]> {
        let mut mac = self.mac.clone();
        mac.update(&utf8(message)?);
        Ok(mac.finalize().into_bytes().into())
    }
}

/// A seeded generator with the draws of ``random.Random`` the fake generators use.
#[pyclass(module = "sanitizers._core")]
struct Rng {
    mt: mt::Mt,
}

#[pymethods]
impl Rng {
    /// ``random.Random(int.from_bytes(seed, "big"))``, for a seed of up to 16 bytes.
    #[new]
    fn new(seed: &[u8]) -> PyResult<Self> {
        if seed.len() > 16 {
            return Err(PyValueError::new_err("a seed has at most 16 bytes"));
        }
        Ok(Rng { mt: mt::Mt::from_be_bytes(seed) })
    }

    fn random(&mut self) -> f64 {
        self.mt.random()
    }

    fn getrandbits(&mut self, k: u32) -> PyResult<u128> {
        if k > 128 {
            return Err(PyValueError::new_err("at most 128 bits"));
        }
        Ok(self.mt.getrandbits(k))
    }

    fn randrange(&mut self, start: i64, stop: i64) -> PyResult<i64> {
        if stop <= start {
            return Err(PyValueError::new_err("empty range for randrange()"));
        }
        Ok(start + self.mt.below((stop - start) as u128) as i64)
    }

    fn randint(&mut self, a: i64, b: i64) -> PyResult<i64> {
        self.randrange(a, b + 1)
    }

    fn choice<'py>(&mut self, seq: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let n = seq.len()?;
        if n == 0 {
            return Err(PyIndexError::new_err("Cannot choose from an empty sequence"));
        }
        seq.get_item(self.mt.below(n as u128) as usize)
    }
}

/// A regular expression run by Rust's engine; raises ``ValueError`` for one it cannot run
/// (lookaround, backreferences), which stays with Python's engines.
#[pyclass(module = "sanitizers._core", frozen)]
pub(crate) struct Pattern {
    pub(crate) inner: pattern::Pattern,
}

#[pymethods]
impl Pattern {
    #[new]
    #[pyo3(signature = (pattern, *, ignore_case=false, multi_line=false, dot_all=false))]
    fn new(pattern: &str, ignore_case: bool, multi_line: bool, dot_all: bool) -> PyResult<Self> {
        pattern::Pattern::new(pattern, ignore_case, multi_line, dot_all)
            .map(|inner| Pattern { inner })
            .map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// (start, end) of every non-empty match, leftmost first, in characters.
    fn spans(&self, text: &str) -> Vec<(usize, usize)> {
        self.inner.spans(text)
    }

    /// Whether the pattern matches anywhere in ``text``.
    fn is_match(&self, text: &str) -> bool {
        self.inner.is_match(text)
    }

    /// Where in ASCII ``text`` a match starts, each position once, in order; None for other text.
    fn starts(&self, text: &str) -> Option<Vec<usize>> {
        text.is_ascii().then(|| self.inner.starts(text))
    }
}

/// Same length; each letter, digit and non-ASCII letter replaced within its class and script.
#[pyfunction]
fn charclass<'py>(value: &Bound<'py, PyString>, mut rng: PyRefMut<'_, Rng>) -> PyResult<Bound<'py, PyAny>> {
    match value.to_str() {
        Ok(text) => Ok(PyString::new(value.py(), &classes::charclass(text, &mut rng.mt)).into_any()),
        Err(_) => from_utf8_with_surrogates(value.py(), &redraw_around_surrogates(&utf8(value)?, &mut rng.mt)),
    }
}

/// `charclass` of a text with lone surrogates (never a UUID or a hex token): the parts between
/// them redrawn, in order, with the same generator; the surrogates kept, as Python kept them.
fn redraw_around_surrogates(wtf8: &[u8], rng: &mut mt::Mt) -> Vec<u8> {
    map_between_surrogates(wtf8, |text, out| {
        classes::redraw_chars(text, rng, out);
        Ok::<(), std::convert::Infallible>(())
    })
    .unwrap_or_else(|never| match never {})
}

/// ``wtf8`` with each part between lone surrogates replaced by what ``f`` writes for it, in order;
/// the surrogates kept.
fn map_between_surrogates<E>(wtf8: &[u8], mut f: impl FnMut(&str, &mut String) -> Result<(), E>) -> Result<Vec<u8>, E> {
    let (mut bytes, mut out) = (Vec::with_capacity(wtf8.len()), String::new());
    for part in split_surrogates(wtf8) {
        match part {
            Ok(text) => {
                out.clear();
                f(text, &mut out)?;
                bytes.extend_from_slice(out.as_bytes());
            }
            Err(surrogate) => bytes.extend_from_slice(surrogate),
        }
    }
    Ok(bytes)
}

/// UTF-8 text with lone surrogates encoded as UTF-8 would encode them (`ED A0..BF xx`, which no
/// valid UTF-8 holds), cut into its valid parts (`Ok`) and its surrogates (`Err`).
fn split_surrogates(wtf8: &[u8]) -> Vec<Result<&str, &[u8]>> {
    let (mut parts, mut start, mut i) = (Vec::new(), 0, 0);
    while i < wtf8.len() {
        if wtf8[i] == 0xED && wtf8.get(i + 1).is_some_and(|b| (0xA0..=0xBF).contains(b)) {
            if start < i {
                parts.push(Ok(std::str::from_utf8(&wtf8[start..i]).expect("valid UTF-8 between surrogates")));
            }
            parts.push(Err(&wtf8[i..i + 3]));
            i += 3;
            start = i;
        } else {
            i += 1;
        }
    }
    if start < wtf8.len() {
        parts.push(Ok(std::str::from_utf8(&wtf8[start..]).expect("valid UTF-8 after surrogates")));
    }
    parts
}

fn from_utf8_with_surrogates<'py>(py: Python<'py>, bytes: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    pyo3::types::PyBytes::new(py, bytes).call_method1("decode", ("utf-8", "surrogatepass"))
}

/// Every IP address in ``value`` faked in place, version, class and text form kept.
#[pyfunction]
fn ip_address<'py>(value: &Bound<'py, PyString>, mut rng: PyRefMut<'_, Rng>) -> PyResult<Bound<'py, PyAny>> {
    let none_left = || PyValueError::new_err("no other IPv4 address in range");
    let rng = &mut rng.mt;
    if let Ok(text) = value.to_str() {
        return Ok(PyString::new(value.py(), &ip::ip_address(text, rng).ok_or_else(none_left)?).into_any());
    }
    let wtf8 = utf8(value)?; // no address spans a lone surrogate: each part alone
    let mut found = false;
    let bytes = map_between_surrogates(&wtf8, |text, out| {
        found |= ip::fake_addresses(text, rng, out).ok_or_else(none_left)?;
        Ok::<(), PyErr>(())
    })?;
    from_utf8_with_surrogates(value.py(), &if found { bytes } else { redraw_around_surrogates(&wtf8, rng) })
}

/// The prefilter (`prefilter::could_hold`) with the street words of the address detector's gate.
#[pyclass(module = "sanitizers._core", frozen)]
struct Prefilter {
    streets: prefilter::Streets,
}

#[pymethods]
impl Prefilter {
    /// ``stems``, ``short_runs`` and ``endings`` as `prefilter::Streets` takes them (in lower case,
    /// as text beyond ASCII is read for them), with the short street words and the letters table,
    /// which read them in text beyond ASCII (`prefilter::Beyond`), and the looser forms of the
    /// address patterns (`names.address_screens`).
    #[new]
    #[pyo3(signature = (stems, short_runs, endings, shorts, letters, cue = None, forms = Vec::new()))]
    fn new(
        stems: Vec<String>, short_runs: Vec<String>, endings: Vec<String>, shorts: Vec<String>,
        letters: Py<letters::Letters>, cue: Option<Py<Pattern>>, forms: Vec<Py<Pattern>>,
    ) -> Self {
        let beyond = prefilter::Beyond::new(&stems, &endings, &shorts, letters);
        Prefilter { streets: prefilter::Streets::new(stems, short_runs, endings, cue, forms).reading_beyond(beyond) }
    }

    /// The bits (in ``PREFILTERED`` order) of the detectors that may find something in ``text``,
    /// of those in ``wanted`` (the others' conditions are not tested). A lone surrogate is read as
    /// U+FFFD: neither is a digit, a letter or part of any pattern here.
    #[pyo3(signature = (text, wanted = u32::MAX))]
    fn could_hold(&self, text: &Bound<'_, PyString>, wanted: u32) -> u32 {
        prefilter::could_hold(&text.to_string_lossy(), &self.streets, wanted)
    }
}

/// The person detector (`names::Names`), and the device owner detector's gate.
#[pyclass(module = "sanitizers._core", frozen)]
struct PersonFinder {
    names: names::Names,
    devices: regex::bytes::Regex,
}

#[pymethods]
impl PersonFinder {
    /// The particles and word lists (lower case), the patterns around a name as they read ASCII
    /// text, and the device owner detector's gate; the letters table, the blocks of `_UP` and
    /// `_LOW`'s letters beyond ASCII, and
    /// Python's readings of text beyond it (`names::Readings`).
    #[new]
    #[allow(clippy::too_many_arguments)]
    fn new(
        particles: Vec<String>, firsts: Vec<String>, lasts: Vec<String>, not_first: Vec<String>,
        not_names: Vec<String>, titled: &str, cues: &str, addressing: &str, mailbox: &str, devices: &str,
        letters: Py<letters::Letters>, blocks: Vec<(u32, u32)>, python: names::Readings,
    ) -> PyResult<Self> {
        let set = |words: Vec<String>| words.into_iter().map(String::into_bytes).collect();
        let pattern = |source: &str| regex::bytes::Regex::new(source).map_err(|e| PyValueError::new_err(e.to_string()));
        let names = names::Names {
            particles: particles.into_iter().map(String::into_bytes).collect(),
            firsts: set(firsts),
            lasts: set(lasts),
            not_first: set(not_first),
            not_names: set(not_names),
            titled: pattern(titled)?,
            cues: pattern(cues)?,
            addressing: pattern(addressing)?,
            mailbox: pattern(mailbox)?,
            letters,
            blocks,
            python,
        };
        Ok(PersonFinder { names, devices: pattern(devices)? })
    }

    /// (the spans `detect_person` finds in ``text``, whether the device owner gate lets
    /// `detect_device_owner` read it); None where Python reads the text (`Names::person_spans`),
    /// or where a text beyond ASCII may name a device.
    fn find(&self, text: &Bound<'_, PyString>) -> Option<(Vec<(usize, usize)>, bool)> {
        let text = text.to_str().ok()?; // (a lone surrogate)
        if text.is_ascii() {
            return self.names.person_spans(text).map(|spans| (spans, self.devices.is_match(text.as_bytes())));
        }
        self.spans(text).map(|spans| (pattern::char_spans(text, spans), false))
    }
}

impl PersonFinder {
    /// `detect_names`' spans (in bytes) of a text where the device owner detector finds none:
    /// its gate rules the text out (beyond ASCII, no device's word is in it, nor a letter `re`
    /// matches to an ASCII one ignoring case). None where Python reads the text.
    fn spans(&self, text: &str) -> Option<Vec<(usize, usize)>> {
        let devices = if text.is_ascii() {
            self.devices.is_match(text.as_bytes())
        } else {
            prefilter::names_a_device(text) || text.contains(prefilter::IGNORING_CASE_TO_ASCII)
        };
        if devices {
            None
        } else {
            self.names.person_spans(text)
        }
    }
}

/// `detectors.detect_ip` on ASCII text whose candidates hold no colon (`ip_find`).
#[pyclass(module = "sanitizers._core", frozen)]
struct IpFinder {
    ipv4: pattern::Pattern,
}

#[pymethods]
impl IpFinder {
    /// presidio's IPv4 pattern under its recognizer's flags.
    #[new]
    fn new(ipv4: &str, ignore_case: bool, multi_line: bool, dot_all: bool) -> PyResult<Self> {
        let ipv4 = pattern::Pattern::new(ipv4, ignore_case, multi_line, dot_all)
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(IpFinder { ipv4 })
    }

    /// The spans `detect_ip` finds in ``text``; None where it is not ASCII or a candidate run
    /// holds a colon (presidio's IPv6 patterns are Python's to run).
    fn spans(&self, text: &Bound<'_, PyString>) -> Option<Vec<(usize, usize)>> {
        ip_find::ipv4_spans(text.to_str().ok()?, &self.ipv4)
    }
}

/// `detectors.detect_iban` on ASCII text (`iban`), with presidio's country formats.
#[pyclass(module = "sanitizers._core", frozen)]
struct IbanFinder {
    iban: iban::Iban,
}

#[pymethods]
impl IbanFinder {
    /// ``formats``: presidio's ``regex_per_country`` (country code to pattern).
    #[new]
    fn new(formats: HashMap<String, String>) -> PyResult<Self> {
        let mut compiled = rustc_hash::FxHashMap::default();
        for (country, format) in formats {
            let code: [u8; 2] = country.as_bytes().try_into().map_err(|_| PyValueError::new_err("a country code"))?;
            let regex =
                regex::Regex::new(&format!("^(?:{format})")).map_err(|e| PyValueError::new_err(e.to_string()))?;
            compiled.insert(code, regex);
        }
        Ok(IbanFinder { iban: iban::Iban { formats: compiled } })
    }

    /// The spans `detect_iban` finds in ``text``; None where Python reads it (`iban::Iban::read`).
    fn spans(&self, text: &Bound<'_, PyString>) -> Option<Vec<(usize, usize)>> {
        let text = text.to_str().ok()?;
        Some(pattern::char_spans(text, self.iban.read(text)?))
    }
}

/// `detectors.detect_phone` on ASCII text, and `detectors._possible_phone` (`phone`).
#[pyclass(module = "sanitizers._core", frozen)]
struct PhoneFinder {
    phones: phone::Phones,
}

/// A calling code's plan as Python hands it over: (`national_prefix_for_parsing`,
/// `national_prefix_transform_rule`, the general `national_number_pattern`, the possible
/// lengths, the local-only lengths).
type PlanSource = (Option<String>, Option<String>, Option<String>, Vec<usize>, Vec<usize>);

/// A plan, its patterns compiled to be matched where the parse matches them.
fn plan_of((prefix, rule, general, lengths, local): PlanSource) -> Option<phone::Plan> {
    if lengths.is_empty() {
        return None; // the length test reads the shortest: Python's to read
    }
    let national_prefix = prefix.map(|p| regex::Regex::new(&format!(r"\A(?:{p})"))).transpose().ok()?;
    let general = general.map(|g| regex::Regex::new(&format!(r"\A(?:{g})\z"))).transpose().ok()?;
    let transform = phone::Transform::new(rule.as_deref());
    Some(phone::Plan { national_prefix, transform, general, lengths, local })
}

#[pymethods]
impl PhoneFinder {
    /// The detector's cue, date, NANP and grouping patterns (as they read ASCII text);
    /// phonenumbers' calling codes; the regions tried in turn, as (calling code,
    /// `international_prefix`); and ``plan``, which gives a calling code's plan (None for none).
    #[new]
    fn new(
        cue: &str, date_like: &str, nanp: &str, grouped: &str, codes: Vec<u32>, regions: Vec<(u32, String)>,
        plan: Py<PyAny>,
    ) -> PyResult<Self> {
        let regions = regions
            .into_iter()
            .map(|(code, prefix)| Ok((code, regex::Regex::new(&format!(r"\A(?:{prefix})"))?)))
            .collect::<Result<_, regex::Error>>()
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        let load: phone::Load = Box::new(move |code| {
            Python::attach(|py| {
                plan.bind(py).call1((code,)).ok()?.extract::<Option<PlanSource>>().ok()?.and_then(plan_of)
            })
        });
        let numbering = phone::Numbering::new(codes.into_iter().collect(), regions, load);
        let phones = phone::Phones::new(cue, date_like, nanp, grouped, numbering)
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(PhoneFinder { phones })
    }

    /// The spans `detect_phone` finds in ``text``; None for text that is not ASCII, and where
    /// phonenumbers' parse of a number is Python's to run.
    fn spans(&self, text: &Bound<'_, PyString>) -> Option<Vec<(usize, usize)>> {
        self.phones.spans(text.to_str().ok()?)
    }

    /// `_possible_phone(raw, international)`, or None where phonenumbers is Python's to run.
    fn possible(&self, raw: &str, international: bool) -> Option<bool> {
        self.phones.numbering.possible(raw, international)
    }
}

/// `detectors.detect_ssn` on ASCII text (`ssn`).
#[pyclass(module = "sanitizers._core", frozen)]
struct SsnFinder {
    ssn: ssn::Ssn,
}

#[pymethods]
impl SsnFinder {
    /// presidio's SSN patterns with their scores, under its recognizer's flags.
    #[new]
    fn new(patterns: Vec<(String, f64)>, ignore_case: bool, multi_line: bool, dot_all: bool) -> PyResult<Self> {
        let patterns = patterns
            .into_iter()
            .map(|(source, score)| {
                pattern::Pattern::new(&source, ignore_case, multi_line, dot_all)
                    .map(|p| (p, score))
                    .map_err(|e| PyValueError::new_err(e.to_string()))
            })
            .collect::<PyResult<Vec<_>>>()?;
        Ok(SsnFinder { ssn: ssn::Ssn { patterns } })
    }

    /// The spans `detect_ssn` finds in ASCII ``text``; None for other text.
    fn spans(&self, text: &Bound<'_, PyString>) -> Option<Vec<(usize, usize)>> {
        let text = ascii(text)?;
        Some(self.ssn.spans(text))
    }
}

/// `engine.Sanitizer._remember` for ASCII originals and fakes, and beyond ASCII with a maker's letters table (`remember`).
#[pyclass(module = "sanitizers._core", frozen)]
pub(crate) struct Rememberer {
    pub(crate) inner: remember::Remember,
}

#[pymethods]
impl Rememberer {
    /// The entities propagated, the words that are never names and the street words (lower case).
    #[new]
    fn new(propagated: Vec<String>, not_names: Vec<String>, street_words: Vec<String>) -> Self {
        let bytes = |words: Vec<String>| words.into_iter().map(String::into_bytes).collect();
        Rememberer {
            inner: remember::Remember {
                propagated: propagated.into_iter().collect(),
                not_names: bytes(not_names),
                street_words: bytes(street_words),
            },
        }
    }

    /// Remember ``original``'s ``fake`` in ``known`` and ``fakes``, as ``_remember`` does;
    /// False (nothing done) where that is Python's to do. Text beyond ASCII is read only with a
    /// ``maker``'s letters table (the walk's fakes pass it).
    #[pyo3(signature = (original, fake, entity, known, fakes, maker = None))]
    fn remember<'py>(
        &self, original: &Bound<'py, PyString>, fake: &Bound<'py, PyString>, entity: &Bound<'py, PyString>,
        known: &Bound<'py, PyDict>, fakes: &Bound<'py, PySet>, maker: Option<PyRef<'py, fakes::Maker>>,
    ) -> PyResult<bool> {
        self.inner.remember(original, fake, entity, known, fakes, maker.as_deref().map(fakes::Maker::letters))
    }
}

/// A text known originals are looked for in, held as UTF-8 (lone surrogates as UTF-8 would
/// encode them): one text is in another exactly when its bytes are in the other's.
#[pyclass(module = "sanitizers._core", frozen)]
struct Haystack {
    bytes: Vec<u8>,
}

#[pymethods]
impl Haystack {
    #[new]
    fn new(text: &Bound<'_, PyString>) -> PyResult<Self> {
        Ok(Haystack { bytes: utf8(text)?.into_owned() })
    }

    /// The strings of a sanitized document's outline (``regions`` and ``region_names`` as
    /// ``outline`` takes them), the leaves' then the names', joined by NUL, without joining them
    /// into a Python string first.
    #[staticmethod]
    fn outline(regions: &Bound<'_, PyList>, region_names: bool) -> PyResult<Self> {
        Ok(Haystack { bytes: tree::outline_bytes(regions, region_names)? })
    }

    /// For each original: ``WHOLE`` if it occurs here, ``ENCODED`` if an encoding of it may (it
    /// is not plain, and each of its plain runs occurs).
    fn present(&self, originals: Vec<Bound<'_, PyString>>) -> PyResult<Vec<u8>> {
        let originals = originals.iter().map(utf8).collect::<PyResult<Vec<_>>>()?;
        Ok(known::known_present(&originals, &self.bytes))
    }

    /// Whether ``text`` occurs here.
    fn __contains__(&self, text: &Bound<'_, PyString>) -> PyResult<bool> {
        Ok(known::occurs(&self.bytes, &utf8(text)?))
    }
}

/// `urllib.parse.unquote` of ``text`` (with ``plus``, `unquote_plus`), by `percent::unquote`:
/// ``text`` itself where it holds no `%` (nor `+`); a text with a lone surrogate by Python's.
#[pyfunction]
#[pyo3(signature = (text, plus = false))]
fn unquote<'py>(text: &Bound<'py, PyString>, plus: bool) -> PyResult<Bound<'py, PyString>> {
    let Ok(value) = text.to_str() else {
        let name = if plus { "unquote_plus" } else { "unquote" };
        return Ok(text.py().import("urllib.parse")?.getattr(name)?.call1((text,))?.cast_into()?);
    };
    Ok(match percent::unquote(value, plus) {
        Cow::Borrowed(_) => text.clone(),
        Cow::Owned(decoded) => PyString::new(text.py(), &decoded),
    })
}

/// ``value`` percent-encoded the way ``raw`` (what it replaces) was: the same unescaped symbols
/// (`percent::safe_of`), with ``plus`` spaces as `+` unless ``raw`` writes them `%20`
/// (`quote_plus`, else `quote`), and characters beyond ASCII as they are where ``raw`` writes
/// its own so (a name in a query of a log line, `username=José`).
#[pyfunction]
#[pyo3(signature = (raw, value, *, plus))]
pub(crate) fn requote<'py>(
    raw: &Bound<'py, PyString>, value: &Bound<'py, PyString>, plus: bool,
) -> PyResult<Bound<'py, PyString>> {
    let raw = raw.to_string_lossy(); // a lone surrogate is no ASCII symbol either
    let (plus, safe) = (plus && !raw.contains("%20"), percent::safe_of(&raw));
    match value.to_str() {
        Ok(text) if !raw.is_ascii() => Ok(PyString::new(value.py(), &percent::quote(text, &safe, plus, true))),
        _ => quote(value, &PyString::new(value.py(), &safe), plus),
    }
}

/// `urllib.parse.quote(value, safe)` (with ``plus``, `quote_plus`), by `percent::quote`. A value
/// with a lone surrogate goes to Python's, which refuses it as it always did.
#[pyfunction]
#[pyo3(signature = (value, safe, *, plus = false))]
fn quote<'py>(value: &Bound<'py, PyString>, safe: &Bound<'py, PyString>, plus: bool) -> PyResult<Bound<'py, PyString>> {
    let Ok(text) = value.to_str() else {
        let name = if plus { "quote_plus" } else { "quote" };
        let quote = value.py().import("urllib.parse")?.getattr(name)?;
        return Ok(quote.call((value,), Some(&[("safe", safe)].into_py_dict(value.py())?))?.cast_into()?);
    };
    // only ASCII characters of ``safe`` count, as Python's (a lone surrogate is none)
    Ok(PyString::new(value.py(), &percent::quote(text, &safe.to_string_lossy(), plus, false)))
}

/// ``text`` where it is ASCII, the text the core's replicas read (a lone surrogate fails `to_str`).
fn ascii<'a>(text: &'a Bound<'_, PyString>) -> Option<&'a str> {
    text.to_str().ok().filter(|text| text.is_ascii())
}

/// `detectors._detect_jwt_here` of ASCII text (`secrets`); None for other text.
#[pyfunction]
fn jwt_spans(text: &Bound<'_, PyString>) -> Option<Vec<(usize, usize)>> {
    Some(secrets::jwt_spans(ascii(text)?))
}

/// `detectors._detect_api_key_here` of ASCII text (`secrets`); None for other text.
#[pyfunction]
fn api_key_spans(text: &Bound<'_, PyString>) -> Option<Vec<(usize, usize)>> {
    Some(secrets::api_key_spans(ascii(text)?))
}

/// `detectors._detect_pem_here` of ASCII text (`secrets`); None for other text.
#[pyfunction]
fn pem_spans(text: &Bound<'_, PyString>) -> Option<Vec<(usize, usize)>> {
    Some(secrets::pem_spans(ascii(text)?))
}

/// `detectors._detect_user_id_here` of ASCII text (`user_id`); None for other text.
#[pyfunction]
fn user_id_spans(text: &Bound<'_, PyString>) -> Option<Vec<(usize, usize)>> {
    Some(user_id::user_id_spans(ascii(text)?))
}

/// `detectors._username_spans_here` of ASCII text: where each match of `_USERNAME` holds its
/// name. None for other text, which Python reads.
#[pyfunction]
fn username_spans(text: &Bound<'_, PyString>) -> Option<Vec<(usize, usize)>> {
    Some(username::username_spans(ascii(text)?))
}

/// `detectors.detect_card`'s spans in ``text`` (`card`), in characters; None where Python reads it.
#[pyfunction]
fn card_spans(text: &Bound<'_, PyString>) -> Option<Vec<(usize, usize)>> {
    let text = text.to_str().ok()?;
    if text.is_ascii() {
        return Some(card::card_spans(text.as_bytes()));
    }
    Some(pattern::char_spans(text, card::card_spans_beyond(text)?))
}

/// Whether a word of ASCII ``text`` (a run of letters, digits and underscores, as ``\\w+`` reads
/// ASCII) is a key of ``known`` or in ``avoid``; None for other text, whose words are Python's to
/// tell (Unicode's word characters are not Rust's). A fake is asked this each time it is used.
#[pyfunction]
fn holds_word(
    text: &Bound<'_, PyString>, known: &Bound<'_, PyDict>, avoid: &Bound<'_, PyAny>,
) -> PyResult<Option<bool>> {
    let Some(text) = ascii(text) else { return Ok(None) };
    Ok(Some(holds_word_of(text, |c| c.is_ascii() && python::word(c as u8), known, avoid)?))
}

/// `holds_word` of ``text``, its word characters (`\\w`) those ``is_word`` takes.
pub(crate) fn holds_word_of(
    text: &str, is_word: impl Fn(char) -> bool, known: &Bound<'_, PyDict>, avoid: &Bound<'_, PyAny>,
) -> PyResult<bool> {
    let py = known.py();
    for word in text.split(|c: char| !is_word(c)).filter(|word| !word.is_empty()) {
        let word = PyString::new(py, word);
        if known.contains(&word)? || avoid.contains(&word)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// An event's known originals present in its output, each with its fake and whether it is
/// unmistakable (replaced in safe paths too): what propagation replaces and the leak gate looks
/// for, matched as Python's `re` would match the alternation of them (see `known::Matcher`).
#[pyclass(module = "sanitizers._core", frozen)]
pub(crate) struct KnownValues {
    matcher: known::Matcher,
    fakes: Vec<Vec<u8>>,
    unmistakable: Vec<bool>,
}

#[pymethods]
impl KnownValues {
    /// ``entries``: (original, fake, glued, unmistakable), in the order the alternation tries them.
    #[new]
    fn new(entries: Vec<(Bound<'_, PyString>, Bound<'_, PyString>, bool, bool)>) -> PyResult<Self> {
        let originals = entries.iter().map(|(original, ..)| utf8(original)).collect::<PyResult<Vec<_>>>()?;
        if originals.iter().any(|original| original.is_empty()) {
            return Err(PyValueError::new_err("a known original is empty"));
        }
        let glued = entries.iter().map(|entry| entry.2).collect();
        let matcher = known::Matcher::new(&originals, glued);
        let fakes = entries.iter().map(|(_, fake, ..)| utf8(fake).map(Cow::into_owned)).collect::<PyResult<_>>()?;
        Ok(Self { matcher, fakes, unmistakable: entries.iter().map(|entry| entry.3).collect() })
    }

    /// Indices of the texts holding a known original, ascending.
    fn holding(&self, texts: Vec<Bound<'_, PyString>>) -> PyResult<Vec<usize>> {
        let mut held = Vec::new();
        for (i, text) in texts.iter().enumerate() {
            if !self.matches(text)?.is_empty() {
                held.push(i);
            }
        }
        Ok(held)
    }

    /// ``text`` with each known original replaced by its fake; with ``only_unmistakable``, only
    /// the unmistakable ones (the others matched, and left as they are). ``text`` itself where
    /// nothing is replaced.
    #[pyo3(signature = (text, only_unmistakable=false))]
    fn replace<'py>(&self, text: &Bound<'py, PyString>, only_unmistakable: bool) -> PyResult<Bound<'py, PyAny>> {
        let bytes = utf8(text)?;
        let found: Vec<_> = (self.matcher.find_all(&bytes, &mut |point| is_word(text.py(), point))?.into_iter())
            .filter(|&(_, _, id)| !only_unmistakable || self.unmistakable[id])
            .collect();
        if found.is_empty() {
            return Ok(text.clone().into_any());
        }
        let (mut out, mut last) = (Vec::with_capacity(bytes.len()), 0);
        for (start, end, id) in found {
            out.extend_from_slice(&bytes[last..start]);
            out.extend_from_slice(&self.fakes[id]);
            last = end;
        }
        out.extend_from_slice(&bytes[last..]);
        match String::from_utf8(out) {
            Ok(utf8) => Ok(PyString::new(text.py(), &utf8).into_any()),
            Err(e) => from_utf8_with_surrogates(text.py(), e.as_bytes()),
        }
    }

    /// Whether ``text`` holds a known original, and whether it holds an unmistakable one.
    pub(crate) fn finds(&self, text: &Bound<'_, PyString>) -> PyResult<(bool, bool)> {
        let found = self.matches(text)?;
        Ok((!found.is_empty(), found.iter().any(|&(_, _, id)| self.unmistakable[id])))
    }
}

impl KnownValues {
    fn matches(&self, text: &Bound<'_, PyString>) -> PyResult<Vec<(usize, usize, usize)>> {
        self.matcher.find_all(&utf8(text)?, &mut |point| is_word(text.py(), point))
    }
}

/// Whether a non-ASCII code point is a word character to Python's `re` (``str.isalnum``, which
/// is what `\w` tests besides ``_``), for the interpreter's own Unicode version. A lone
/// surrogate is none.
fn is_word(py: Python<'_>, point: u32) -> PyResult<bool> {
    match char::from_u32(point) {
        Some(c) => PyString::new(py, c.encode_utf8(&mut [0; 4])).call_method0("isalnum")?.extract(),
        None => Ok(false),
    }
}

/// A Python string's UTF-8 bytes, borrowed where it has no lone surrogate; a lone surrogate (a
/// file name the SDK could not decode, parsed out of a repr) is encoded as UTF-8 would encode
/// it, where ``str.encode()`` refuses.
pub(crate) fn utf8<'a>(text: &'a Bound<'_, PyString>) -> PyResult<Cow<'a, [u8]>> {
    match text.to_str() {
        Ok(utf8) => Ok(Cow::Borrowed(utf8.as_bytes())),
        Err(_) => Ok(Cow::Owned(text.call_method1("encode", ("utf-8", "surrogatepass"))?.extract::<Vec<u8>>()?)),
    }
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Keyed>()?;
    m.add_class::<address::AddressFinder>()?;
    m.add_class::<fakes::Maker>()?;
    m.add_class::<Rng>()?;
    m.add_class::<Pattern>()?;
    m.add_class::<walk::Walker>()?;
    m.add_class::<KnownValues>()?;
    m.add_class::<Haystack>()?;
    m.add_class::<Prefilter>()?;
    m.add_class::<PersonFinder>()?;
    m.add_class::<letters::Letters>()?;
    m.add_class::<IpFinder>()?;
    m.add_class::<IbanFinder>()?;
    m.add_class::<Rememberer>()?;
    m.add_class::<gate::GateReader>()?;
    m.add_class::<SsnFinder>()?;
    m.add_class::<PhoneFinder>()?;
    m.add_function(wrap_pyfunction!(charclass, m)?)?;
    m.add_function(wrap_pyfunction!(ip_address, m)?)?;
    m.add_function(wrap_pyfunction!(holds_word, m)?)?;
    m.add_function(wrap_pyfunction!(card_spans, m)?)?;
    m.add_function(wrap_pyfunction!(username_spans, m)?)?;
    m.add_function(wrap_pyfunction!(user_id_spans, m)?)?;
    m.add_function(wrap_pyfunction!(jwt_spans, m)?)?;
    m.add_function(wrap_pyfunction!(api_key_spans, m)?)?;
    m.add_function(wrap_pyfunction!(pem_spans, m)?)?;
    m.add_function(wrap_pyfunction!(unquote, m)?)?;
    m.add_function(wrap_pyfunction!(requote, m)?)?;
    m.add_function(wrap_pyfunction!(quote, m)?)?;
    m.add_function(wrap_pyfunction!(tree::outline, m)?)?;
    m.add_function(wrap_pyfunction!(literal::python_literal, m)?)?;
    m.add_function(wrap_pyfunction!(email::email_spans, m)?)?;
    m.add("WHOLE", known::WHOLE)?;
    m.add("ENCODED", known::ENCODED)?;
    m.add("PREFILTERED", prefilter::PREFILTERED)?;
    m.add("IBAN_PATTERN", iban::PRESIDIO_PATTERN)?;
    m.add("SPACE_CLASS", python::SPACE_CLASS)?;
    m.add("FOLDS_TO_ASCII", prefilter::FOLDS_TO_ASCII.iter().collect::<String>())?;
    m.add("IGNORING_CASE_TO_ASCII", prefilter::IGNORING_CASE_TO_ASCII.iter().collect::<String>())?;
    Ok(())
}
