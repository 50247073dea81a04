//! The fakes whose generators all live in the core, made whole here for an ASCII value: IP
//! addresses, e-mail addresses, secrets, cookies, names, street addresses, cards, IBANs, phone
//! numbers, national ids, dates, prefixed ids, JWTs with plain claims, credentials, and
//! `charclass` for the entities without a generator of their own (usernames, generic values, PEM
//! keys). Seeding, drawing and drawing
//! again are `FakeFactory._make_here`'s, its reference, which makes every other value; the seed
//! is the one `FakeFactory.rng` takes, so a fake is the same whichever of the two made it.

use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;
use hmac::{Hmac, Mac};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyAny, PyDict, PySet, PyString, PyTuple};
use regex::Regex;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use sha2::Sha256;

use crate::card::{brand_ok, luhn_valid};
use crate::classes::charclass;
use crate::ip;
use crate::letters::{Letters, DIGIT, LOWER, NAME, UPPER, WORD};
use crate::mt::Mt;
use crate::python::{self, space, split};
use crate::{holds_word_of, Rememberer};

/// Fakes kept, as `FakeFactory`'s cache keeps them, up to this many (then it starts over).
const CACHED_FAKES: usize = 100_000;

#[pyclass(module = "sanitizers._core", frozen)]
pub struct Maker {
    mac: Hmac<Sha256>,
    /// `_formats.SECRET_PREFIX`: a provider's prefix a secret's fake keeps.
    secret_prefix: Regex,
    /// `fakes._PLACEHOLDERS`, and the length of the longest.
    placeholders: HashSet<String>,
    longest_placeholder: usize,
    /// `fakes._COOKIE_ATTRIBUTES`: the parts of a `Set-Cookie` kept as they are.
    cookie_attributes: HashSet<String>,
    /// The ASCII first names by length (`fakes._name_pools("ascii")`), and the last names.
    firsts: HashMap<usize, Vec<String>>,
    lasts: Vec<String>,
    /// `street_words()`, and the street types a word may end in (`names.GLUED_TYPES`, lower
    /// case), of which those only after a stem ending in a consonant (`names.GLUED_AMBIGUOUS`).
    streets: HashSet<String>,
    glued: Vec<String>,
    glued_ambiguous: Vec<String>,
    /// `fakes._SHAPES` of the entities below, as Rust's engine reads them whole in ASCII text: a
    /// value of another form is redrawn by `charclass`.
    shapes: HashMap<String, Regex>,
    /// phonenumbers' calling codes (`_formats._country_code_length`).
    calling_codes: HashSet<u32>,
    /// `fakes._FREE_MAIL`: domains an e-mail fake keeps.
    free_mail: HashSet<String>,
    /// `fakes._AUTH_SCHEMES`, and `FakeFactory._CLAIM_ENTITIES`: a JWT's claims faked, by name.
    auth_schemes: HashSet<String>,
    claims: HashMap<String, String>,
    /// Each value's first draw, under `draw_key`'s key, and each full name's fake (`in_event`).
    cache: Mutex<HashMap<String, String>>,
    full_names: Mutex<HashMap<String, String>>,
    /// For names and addresses beyond ASCII: what Python says of their characters, and each
    /// script's names (`fakes._script_pools`), read when a value first needs them.
    letters: Py<Letters>,
    pools: Mutex<HashMap<String, Arc<Pools>>>,
    load_pools: Py<PyAny>,
}

/// A script's first and last names by length in characters (`fakes._name_pools`).
struct Pools {
    firsts: HashMap<usize, Vec<String>>,
    lasts: HashMap<usize, Vec<String>>,
    /// Every last name, in order, as an address draws one; None for a script without names.
    all_lasts: Option<Vec<String>>,
}

#[pymethods]
impl Maker {
    #[new]
    #[allow(clippy::too_many_arguments)]
    fn new(
        key: &[u8], secret_prefix: &str, placeholders: Vec<String>, cookie_attributes: Vec<String>,
        firsts: Vec<String>, lasts: Vec<String>, streets: Vec<String>, glued: Vec<String>,
        glued_ambiguous: Vec<String>, shapes: HashMap<String, String>, calling_codes: Vec<u32>, free_mail: Vec<String>,
        auth_schemes: Vec<String>, claims: HashMap<String, String>, letters: Py<Letters>, pools: Py<PyAny>,
    ) -> PyResult<Self> {
        let whole = |pattern: &str| {
            Regex::new(&format!(r"\A(?:{pattern})\z")).map_err(|e| PyValueError::new_err(e.to_string()))
        };
        let mut by_length: HashMap<usize, Vec<String>> = HashMap::default();
        for name in firsts {
            by_length.entry(name.chars().count()).or_default().push(name);
        }
        Ok(Maker {
            mac: Hmac::new_from_slice(key).expect("HMAC takes a key of any length"),
            secret_prefix: Regex::new(secret_prefix).map_err(|e| PyValueError::new_err(e.to_string()))?,
            longest_placeholder: placeholders.iter().map(String::len).max().unwrap_or(0),
            placeholders: placeholders.into_iter().collect(),
            cookie_attributes: cookie_attributes.into_iter().collect(),
            firsts: by_length,
            lasts,
            streets: streets.into_iter().collect(),
            glued,
            glued_ambiguous,
            shapes: shapes
                .into_iter()
                .map(|(entity, pattern)| Ok((entity, whole(&pattern)?)))
                .collect::<PyResult<_>>()?,
            calling_codes: calling_codes.into_iter().collect(),
            free_mail: free_mail.into_iter().collect(),
            auth_schemes: auth_schemes.into_iter().collect(),
            claims,
            cache: Mutex::new(HashMap::default()),
            full_names: Mutex::new(HashMap::default()),
            letters,
            pools: Mutex::new(HashMap::default()),
            load_pools: pools,
        })
    }

    /// `FakeFactory._make_here(entity, value, salt)` for an ASCII value of an entity made here,
    /// or a name beyond ASCII (`beyond_ascii`); None for any other (Python's to make).
    fn make(&self, entity: &str, value: &Bound<'_, PyString>, salt: u32) -> Option<String> {
        self.made(entity, value.to_str().ok()?, salt)
    }
}

impl Maker {
    /// `FakeFactory.fake(entity, value, avoid=run.holds_known)` and then `Sanitizer._remember`,
    /// for an ASCII value the core makes (`make`) and `fake` would hand to `_make`: the fake, and
    /// whether `_remember_here` is still to remember it (a name of several words as `_full_name`
    /// fakes it). None where Python's path goes on: a placeholder, a JWT, a value made by Python.
    pub(crate) fn in_event<'py>(
        &self, entity: &Bound<'py, PyString>, value: &Bound<'py, PyString>, known: &Bound<'py, PyDict>,
        avoid: &Bound<'py, PyAny>, fakes: &Bound<'py, PySet>, rememberer: &Bound<'py, Rememberer>,
    ) -> PyResult<Option<(Bound<'py, PyString>, bool)>> {
        let kind = entity.to_str()?;
        let Ok(text) = value.to_str() else { return Ok(None) };
        // a name or an address beyond ASCII in characters the table reads: its fake's words are those too
        let beyond = |l: &&Letters| matches!(kind, "PERSON" | "ADDRESS") && l.reads(text);
        let letters = if text.is_ascii() { None } else { Some(self.letters.get()).filter(beyond) };
        if (!text.is_ascii() && letters.is_none())
            || self.is_placeholder(text)
            || (text.starts_with("eyJ") && matches!(kind, "SECRET" | "API_KEY" | "COOKIE" | "GENERIC"))
        {
            return Ok(None);
        }
        let watched = !known.is_empty() || !avoid.is_empty()?;
        let is_word =
            |c: char| if c.is_ascii() { python::word(c as u8) } else { letters.is_some_and(|l| l.is(c, WORD)) };
        let holds = |fake: &str| -> PyResult<bool> { Ok(watched && holds_word_of(fake, is_word, known, avoid)?) };
        let fake = if kind == "PERSON" && split(text).nth(1).is_some() {
            let Some(fake) = self.full_name(text, holds)? else { return Ok(None) };
            fake
        } else {
            let Some(mut fake) = self.first_draw(kind, text) else {
                return Ok(None);
            };
            let mut salt = 0;
            while salt < 3 && holds(&fake)? {
                salt += 1;
                let Some(again) = self.made(kind, text, salt) else { return Ok(None) };
                fake = again;
            }
            fake
        };
        if fake == text {
            return Ok(Some((value.clone(), false)));
        }
        let py = value.py();
        let fake = PyString::new(py, &fake);
        let same = known
            .get_item(value)?
            .is_some_and(|entry| entry.eq(PyTuple::new(py, [fake.as_any(), entity.as_any()]).ok()).unwrap_or(false));
        let pending =
            !same && !rememberer.get().inner.remember(value, &fake, entity, known, fakes, Some(self.letters.get()))?;
        Ok(Some((fake, pending)))
    }

    /// What Python says of the characters of values beyond ASCII.
    pub(crate) fn letters(&self) -> &Letters {
        self.letters.get()
    }

    /// `make` of ASCII text, and of a name beyond it.
    fn made(&self, entity: &str, value: &str, salt: u32) -> Option<String> {
        if !value.is_ascii() {
            return if matches!(entity, "PERSON" | "ADDRESS") { self.beyond_ascii(entity, value, salt) } else { None };
        }
        match entity {
            "COOKIE" => self.cookie(value),
            "SECRET" | "API_KEY" if !value.contains("-----BEGIN ") => {
                Some(redraw(value, false, self.rng(entity, value, salt), |mt| self.secret(value, mt)))
            }
            "IP_ADDRESS" => {
                let shaped = !value.contains('@'); // `_SHAPES`: anything else is redrawn whole
                Some(redraw(value, false, self.rng(entity, value, salt), |mt| {
                    let address = if shaped { ip::ip_address(value, mt) } else { None };
                    address.unwrap_or_else(|| charclass(value, mt))
                }))
            }
            "USERNAME" => Some(redraw(value, true, self.rng(entity, &folded(value), salt), |mt| charclass(value, mt))),
            "PERSON" => {
                let named = value.bytes().any(|b| b.is_ascii_alphabetic()); // `_SHAPES`: a name has letters
                Some(redraw(value, true, self.rng(entity, &folded(value), salt), |mt| {
                    if named {
                        self.person(value, mt)
                    } else {
                        charclass(value, mt)
                    }
                }))
            }
            "ADDRESS" => {
                Some(redraw(value, false, self.rng(entity, &folded(value), salt), |mt| self.address(value, mt)))
            }
            "GENERIC" | "PEM_KEY" => {
                Some(redraw(value, false, self.rng(entity, value, salt), |mt| charclass(value, mt)))
            }
            "USER_ID" => Some(redraw(value, false, self.rng(entity, value, salt), |mt| identifier(value, mt))),
            "JWT" => {
                // the claims' fakes draw from their own generators: the same in every draw
                let (parts, payload) = self.jwt_payload(value)?;
                Some(redraw(value, false, self.rng(entity, value, salt), |mt| {
                    let signature = parts.get(2).map_or(String::new(), |s| charclass(s, mt));
                    [&[parts[0], &payload, &signature][..], &parts[3.min(parts.len())..]].concat().join(".")
                }))
            }
            "AUTHORIZATION" => self.authorization(value), // draws nothing of its own
            "CREDIT_CARD" | "US_SSN" | "IBAN_CODE" | "PHONE_NUMBER" | "EMAIL_ADDRESS" | "DATE_OF_BIRTH" => {
                let normal = match entity {
                    "CREDIT_CARD" | "US_SSN" => value.chars().filter(char::is_ascii_digit).collect(),
                    "IBAN_CODE" => {
                        value.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_uppercase()
                    }
                    "PHONE_NUMBER" => self.national_number(value)?,
                    "EMAIL_ADDRESS" => folded(value),
                    _ => value.to_string(),
                };
                let shaped = self.shapes.get(entity)?.is_match(value); // no shape handed over: Python's
                let national = normal.len();
                Some(redraw(value, false, self.rng(entity, &normal, salt), |mt| match entity {
                    _ if !shaped => charclass(value, mt),
                    "CREDIT_CARD" => card(value, mt),
                    "US_SSN" => ssn(value, mt),
                    "IBAN_CODE" => iban(value, mt),
                    "EMAIL_ADDRESS" => self.email(value, mt),
                    "DATE_OF_BIRTH" => date(value, mt),
                    _ => phone(value, national, mt),
                }))
            }
            _ => None,
        }
    }

    /// `FakeFactory.fake`'s cached first draw (salt 0) of a value the core makes.
    fn first_draw(&self, entity: &str, text: &str) -> Option<String> {
        let found = DRAW_KEY.with_borrow_mut(|key| {
            draw_key(key, entity, text);
            self.cache.lock().expect("no panic holds the lock").get(key.as_str()).cloned()
        });
        if found.is_some() {
            return found;
        }
        let fake = self.made(entity, text, 0)?;
        let mut key = String::with_capacity(entity.len() + 1 + text.len());
        draw_key(&mut key, entity, text);
        keep(&self.cache, key, fake.clone());
        Some(fake)
    }

    /// `FakeFactory._full_name`: word by word, each word's fake holding no word of the name nor
    /// a variant of one, nor anything ``holds`` rejects; kept for the next time when ``holds``
    /// rejected none. None where a word beyond ASCII is Python's to fake.
    fn full_name(&self, text: &str, holds: impl Fn(&str) -> PyResult<bool>) -> PyResult<Option<String>> {
        let kept = self.full_names.lock().expect("no panic holds the lock").get(text).cloned();
        if let Some(kept) = kept {
            if !holds(&kept)? {
                return Ok(Some(kept));
            }
        }
        let fold =
            |text: &str| if text.is_ascii() { Some(text.to_ascii_lowercase()) } else { self.letters.get().fold(text) };
        let words: Vec<&str> = split(text).map(|(_, word)| word).collect();
        // a set, as Python's: a name of one word repeated is read once per word, not once per pair
        let Some(taken) = words.iter().map(|word| fold(word)).collect::<Option<HashSet<String>>>() else {
            return Ok(None);
        };
        let mut avoided = false;
        let mut fakes = Vec::with_capacity(words.len());
        for word in words {
            if self.is_placeholder(word) {
                fakes.push(word.to_string()); // `fake` returns a placeholder as it is
                continue;
            }
            let Some(mut fake) = self.first_draw("PERSON", word) else { return Ok(None) };
            let mut salt = 0;
            while salt < 3 {
                let Some(folded) = fold(&fake) else { return Ok(None) };
                let clash = taken.iter().any(|w| folded.contains(w.as_str()) || variant(&folded, w));
                let rejected = !clash && holds(&fake)?;
                avoided |= rejected;
                if !(clash || rejected) {
                    break;
                }
                salt += 1;
                let Some(again) = self.made("PERSON", word, salt) else { return Ok(None) };
                fake = again;
            }
            fakes.push(fake);
        }
        let result = keep_separators(text, &fakes);
        if !avoided {
            keep(&self.full_names, text.to_string(), result.clone());
        }
        Ok(Some(result))
    }

    /// A script's names, read when a value first needs them (without names, a script's address
    /// draws ASCII last names); None should Python not give them.
    fn pools(&self, script: &str) -> Option<Arc<Pools>> {
        if let Some(pools) = self.pools.lock().unwrap_or_else(PoisonError::into_inner).get(script) {
            return Some(pools.clone());
        }
        type ByLength = HashMap<usize, Vec<String>>;
        let read = Python::attach(|py| -> Option<Arc<Pools>> {
            let loaded = self.load_pools.bind(py).call1((script,)).ok()?;
            let pools = match loaded.extract::<Option<(ByLength, ByLength, Vec<String>)>>().ok()? {
                Some((firsts, lasts, all_lasts)) => Pools { firsts, lasts, all_lasts: Some(all_lasts) },
                None => Pools { firsts: HashMap::default(), lasts: HashMap::default(), all_lasts: None },
            };
            Some(Arc::new(pools))
        })?; // not kept: asked again next time
        Some(
            self.pools.lock().unwrap_or_else(PoisonError::into_inner).entry(script.to_string()).or_insert(read).clone(),
        )
    }

    /// `_make_here(entity, value, salt)` of a name or an address beyond ASCII whose characters
    /// the table reads: up to four draws of `_person` or `_address`, until one differs from the
    /// value (and a name's shares no word with it), a name's `charclass`'s where its script has
    /// no names or none of its length. None where Python's `_SHAPES` takes `charclass` (a name
    /// without a letter), for an address's word with digits beyond ASCII, and for an address of a
    /// script without names: Python's to make.
    fn beyond_ascii(&self, entity: &str, value: &str, salt: u32) -> Option<String> {
        let letters = Some(self.letters.get()).filter(|l| l.reads(value))?;
        let person = entity == "PERSON";
        if person && !value.chars().any(|c| letters.is(c, NAME)) {
            return None; // `_SHAPES`: a name has letters
        }
        let script = letters.script(value);
        let pools = self.pools(script)?;
        let named = pools.all_lasts.is_some(); // a name of a script without names: `charclass`'s letters
        if !person && !named {
            return None;
        }
        let latin = script == "latin";
        let mut mt = self.rng(entity, &letters.fold(strip(value))?, salt);
        let words =
            |text: &str| -> Option<HashSet<String>> { letters.runs(text, NAME, 3).map(|w| letters.lower(w)).collect() };
        let own = if person { words(value)? } else { HashSet::default() };
        let mut result = value.to_string();
        for _ in 0..4 {
            result = if person && !named {
                charclass(value, &mut mt)
            } else if person {
                self.person_beyond_ascii(value, letters, &pools, latin, &mut mt)?
            } else {
                self.address_beyond_ascii(value, letters, &pools, &mut mt)?
            };
            if result != value && (!person || own.is_disjoint(&words(&result)?)) {
                break;
            }
        }
        Some(result)
    }

    /// `fakes._address` of a value beyond ASCII: numbers redrawn digit by digit, street words,
    /// initials and short lower-case words kept, other words a last name of the value's script
    /// with their glued street type.
    fn address_beyond_ascii(&self, value: &str, letters: &Letters, pools: &Pools, mt: &mut Mt) -> Option<String> {
        let lasts = pools.all_lasts.as_deref().unwrap_or(&self.lasts);
        let mut out = String::with_capacity(value.len());
        let address_char = |c: char| letters.is(c, WORD) || matches!(c, '\'' | '’' | '.' | '-');
        let mut rest = value;
        while let Some(c) = rest.chars().next() {
            let run = rest.find(|c: char| !address_char(c)).unwrap_or(rest.len());
            if run == 0 {
                out.push(c);
                rest = &rest[c.len_utf8()..];
                continue;
            }
            let w = &rest[..run];
            rest = &rest[run..];
            if w.chars().any(|c| letters.is(c, DIGIT)) {
                out.push_str(&charclass(w.is_ascii().then_some(w)?, mt)); // beyond ASCII: Python's letters
                continue;
            }
            let lower = letters.lower(w)?;
            let short_lower = w.chars().count() <= 2 && letters.is_cased(w, LOWER)?;
            if self.streets.contains(lower.trim_end_matches('.'))
                || self.streets.contains(&lower)
                || (w.is_ascii() && is_upper(w.as_bytes()))
                || short_lower
            {
                out.push_str(w);
                continue;
            }
            let suffix = if w.is_ascii() { self.street_suffix(w) } else { self.street_suffix_beyond_ascii(w, letters) };
            let name = &lasts[mt.below(lasts.len() as u128) as usize];
            if !letters.reads(name) {
                return None; // a name holding σ: its words would not be read as Python reads them
            }
            out.push_str(&if letters.is_cased(w, LOWER)? { letters.lower(name)? } else { name.clone() });
            out.push_str(suffix);
        }
        (out != value).then_some(out) // street words only: `charclass` of text beyond ASCII, Python's
    }

    /// `names.street_suffix` of a word beyond ASCII: `_GLUED_SUFFIX`'s match, the longest street
    /// type the word ends in after a character at least (case ignored as `re` ignores it), an
    /// ambiguous one (ring) only after three word characters and a consonant.
    fn street_suffix_beyond_ascii<'a>(&self, word: &'a str, letters: &Letters) -> &'a str {
        let chars: Vec<(usize, char)> = word.char_indices().collect();
        let ends_in = |k: usize, t: &str| {
            t.chars().count() == chars.len() - k && t.chars().zip(&chars[k..]).all(|(x, &(_, c))| letters.matches(c, x))
        };
        let consonant = |(_, c): (usize, char)| {
            (letters.is(c, NAME) || c == '_') && !"aeiouy".chars().any(|vowel| letters.matches(c, vowel))
        };
        let found = (1..chars.len()).find(|&k| {
            if self.glued_ambiguous.iter().any(|t| ends_in(k, t)) {
                k >= 4 && chars[k - 4..k - 1].iter().all(|&(_, c)| letters.is(c, WORD)) && consonant(chars[k - 1])
            } else {
                self.glued.iter().any(|t| ends_in(k, t))
            }
        });
        found.map_or("", |k| &word[chars[k].0..])
    }

    /// `fakes._person` of a value beyond ASCII: a first name of the same length (a Latin one for
    /// a name in Latin letters, a last name when the first drawn is ASCII), in the same casing.
    fn person_beyond_ascii(
        &self, value: &str, letters: &Letters, pools: &Pools, latin: bool, mt: &mut Mt,
    ) -> Option<String> {
        let word = strip(value);
        let folded = letters.fold(word)?;
        let mut taken = vec![folded.clone()];
        for part in letters.runs(value, NAME, 3) {
            taken.push(letters.fold(part)?);
        }
        let length = word.chars().count();
        let fold = |name: &str| letters.fold(name);
        let Some(mut name) = draw(by_length(&pools.firsts, length), &folded, &taken, fold, mt)? else {
            return Some(charclass(value, mt)); // no name of its length (or only clashing ones): letters
        };
        if latin && name.is_ascii() {
            name = draw(by_length(&pools.lasts, length), &folded, &taken, fold, mt)?.unwrap_or(name);
        }
        let fake = if letters.is_cased(value, UPPER)? {
            letters.upper(name)?
        } else if !value.chars().next().is_some_and(|c| letters.is(c, UPPER)) {
            letters.lower(name)? // (`value.islower()` adds nothing, as for ASCII text)
        } else {
            name.to_string()
        };
        Some(keep_separators(value, &[fake]))
    }

    /// `FakeFactory.rng`: seeded by the HMAC of the entity, the value as `_normal` has it, and a
    /// salt after the first.
    fn rng(&self, entity: &str, normal: &str, salt: u32) -> Mt {
        let mut mac = self.mac.clone();
        mac.update(entity.as_bytes());
        mac.update(b"\x00");
        mac.update(normal.as_bytes());
        if salt > 0 {
            mac.update(format!("\x00{salt}").as_bytes());
        }
        Mt::from_be_bytes(&mac.finalize().into_bytes()[..16])
    }

    /// `_formats.secret` of a value without PEM armor.
    fn secret(&self, value: &str, mt: &mut Mt) -> String {
        let prefix = self.secret_prefix.find(value).map_or(0, |m| m.end());
        value[..prefix].to_string() + &charclass(&value[prefix..], mt)
    }

    /// `FakeFactory.fake("SECRET", value)`; None for what it would fake as a JWT, or with armor.
    fn secret_fake(&self, value: &str) -> Option<String> {
        if value.starts_with("eyJ") || value.contains("-----BEGIN ") {
            return None;
        }
        if !self.draws_secret(value) {
            return Some(value.to_string()); // a placeholder
        }
        Some(redraw(value, false, self.rng("SECRET", value, 0), |mt| self.secret(value, mt)))
    }

    /// Whether `secret_fake` draws a fake of ``value`` (no JWT, no armor, no placeholder).
    fn draws_secret(&self, value: &str) -> bool {
        !(value.starts_with("eyJ") || value.contains("-----BEGIN ") || self.is_placeholder(value))
    }

    /// `FakeFactory.fake(entity, value)` without ``avoid``, for a value the core makes.
    fn plain_fake(&self, entity: &str, value: &str) -> Option<String> {
        if self.is_placeholder(value) {
            return Some(value.to_string());
        }
        if entity == "PERSON" && split(value).nth(1).is_some() {
            return self.full_name(value, |_| Ok(false)).ok().flatten();
        }
        self.first_draw(entity, value)
    }

    /// `FakeFactory._jwt`'s parts but the signature: the token's parts, and its payload with
    /// each claim `_claim` names faked. None for a payload beyond a flat JSON object of text,
    /// integers, booleans and nulls (what tokens carry), or a claim whose fake is Python's to
    /// make: Python reads it.
    fn jwt_payload<'a>(&self, value: &'a str) -> Option<(Vec<&'a str>, String)> {
        let parts: Vec<&str> = value.split('.').collect();
        let payload = URLSAFE.decode(parts.get(1)?).ok()?;
        let mut out = String::from("{");
        for (i, (key, claim)) in flat_json_object(std::str::from_utf8(&payload).ok()?)?.into_iter().enumerate() {
            let faked = match (self.claims.get(key.as_str()), claim) {
                (Some(entity), Json::Text(text)) => {
                    let entity = if entity == "USER_ID" && text.contains('@') { "EMAIL_ADDRESS" } else { entity };
                    Json::Text(self.plain_fake(entity, &text)?)
                }
                (_, claim) => claim,
            };
            if i > 0 {
                out.push(',');
            }
            push_json_string(&mut out, &key);
            out.push(':');
            match faked {
                Json::Text(text) => push_json_string(&mut out, &text),
                Json::Plain(token) => out.push_str(token),
            }
        }
        out.push('}');
        Some((parts, URLSAFE.encode(out.as_bytes())))
    }

    /// `FakeFactory._authorization`: the scheme kept, a Basic pair's user and password faked, a
    /// Bearer JWT a JWT; anything else one secret. None where Python reads the credentials (a
    /// Basic pair that is no plain base64 of ASCII text).
    fn authorization(&self, value: &str) -> Option<String> {
        let Some((scheme, credentials)) =
            value.split_once(' ').filter(|(scheme, _)| self.auth_schemes.contains(&scheme.to_ascii_lowercase()))
        else {
            return self.secret_fake(value);
        };
        if scheme.eq_ignore_ascii_case("basic") {
            let pair = String::from_utf8(STANDARD.decode(credentials).ok()?).ok().filter(|p| p.is_ascii())?;
            let (user, password) = pair.split_once(':').map_or((pair.as_str(), None), |(u, p)| (u, Some(p)));
            let mut faked = self.plain_fake(if user.contains('@') { "EMAIL_ADDRESS" } else { "USERNAME" }, user)?;
            if let Some(password) = password {
                faked.push(':');
                if !password.is_empty() {
                    faked.push_str(&self.secret_fake(password)?);
                }
            }
            return Some(format!("{scheme} {}", STANDARD.encode(faked.as_bytes())));
        }
        let faked = if credentials.starts_with("eyJ") && credentials.matches('.').count() >= 2 {
            self.plain_fake("JWT", credentials)?
        } else {
            self.secret_fake(credentials)?
        };
        Some(format!("{scheme} {faked}"))
    }

    /// `FakeFactory._cookie_string`: each value a secret's fake, names, separators and a
    /// `Set-Cookie`'s attributes kept.
    fn cookie(&self, value: &str) -> Option<String> {
        if !value.contains('=') {
            return self.secret_fake(value);
        }
        // `_COOKIE_SEPARATORS` keeps the blanks after a ";" out of the next name; here the name
        // keeps them, as the output does, and stripping it reads the same attribute
        let (mut parts, mut generators) = (Vec::new(), Vec::new());
        for part in value.split(';') {
            let secret = part.split_once('=').filter(|(name, secret)| {
                !secret.is_empty() && !self.cookie_attributes.contains(&strip(name).to_ascii_lowercase())
            });
            let drawn = secret.filter(|(_, secret)| self.draws_secret(secret));
            if let Some((_, secret)) = drawn {
                generators.push(self.rng("SECRET", secret, 0));
            }
            parts.push((part, secret, drawn.is_some()));
        }
        Mt::seed_together(&mut generators); // the drawn secrets' generators, in their order
        let mut generators = generators.into_iter();
        let mut out = Vec::with_capacity(parts.len());
        for (part, secret, drawn) in parts {
            out.push(match secret {
                Some((name, secret)) if drawn => {
                    let mt = generators.next().expect("a generator for each secret drawn");
                    format!("{name}={}", redraw(secret, false, mt, |mt| self.secret(secret, mt)))
                }
                Some((name, secret)) => format!("{name}={}", self.secret_fake(secret)?),
                None => part.to_string(),
            });
        }
        Some(out.join(";"))
    }

    /// `fakes._person`: a first name of the same length, in the same casing, holding none of the
    /// value's words and no variant of it; letters of the same class when the list has none.
    fn person(&self, value: &str, mt: &mut Mt) -> String {
        let word = strip(value);
        let folded = word.to_ascii_lowercase();
        let mut taken = vec![folded.clone()];
        taken.extend(words(value).map(str::to_ascii_lowercase));
        let pool = by_length(&self.firsts, word.len());
        let Some(name) = draw(pool, &folded, &taken, |name| Some(name.to_ascii_lowercase()), mt).flatten() else {
            return charclass(value, mt);
        };
        let bytes = value.as_bytes();
        let fake = if is_upper(bytes) {
            name.to_ascii_uppercase()
        } else if !bytes.first().is_some_and(u8::is_ascii_uppercase) {
            // (Python also asks `value.islower()`, which adds nothing: such a value starts with no capital)
            name.to_ascii_lowercase()
        } else {
            name.to_string()
        };
        keep_separators(value, &[fake])
    }

    /// `fakes._address`: numbers redrawn digit by digit, street types and initials kept, names
    /// swapped for last names.
    fn address(&self, value: &str, mt: &mut Mt) -> String {
        let bytes = value.as_bytes();
        let mut out = String::with_capacity(value.len());
        let mut at = 0;
        while at < bytes.len() {
            let run = bytes[at..].iter().take_while(|&&b| address_char(b)).count();
            if run == 0 {
                out.push(bytes[at] as char);
                at += 1;
                continue;
            }
            let w = &value[at..at + run];
            let lower = w.to_ascii_lowercase();
            let wb = w.as_bytes();
            if wb.iter().any(u8::is_ascii_digit) {
                out.push_str(&charclass(w, mt));
            } else if self.streets.contains(lower.trim_end_matches('.'))
                || self.streets.contains(&lower)
                || is_upper(wb)
                || (w.len() <= 2 && is_lower(wb))
            {
                out.push_str(w);
            } else {
                let suffix = self.street_suffix(w); // "Stenstraat" becomes "Kowalstraat"
                let name = &self.lasts[mt.below(self.lasts.len() as u128) as usize];
                out.push_str(&if is_lower(wb) { name.to_ascii_lowercase() } else { name.clone() });
                out.push_str(suffix);
            }
            at += run;
        }
        if out == value {
            charclass(value, mt) // street words only: still not the original
        } else {
            out
        }
    }

    /// `FakeFactory._email`: the mailbox's name redrawn by its own generator (one fake for one
    /// name, whatever its `+tag` and domain), the tag by the address's; a free mail domain kept,
    /// another's labels redrawn by the domain's generator but its ending.
    fn email(&self, value: &str, mt: &mut Mt) -> String {
        let Some((local, domain)) = value.rsplit_once('@') else {
            return charclass(value, mt);
        };
        let (base, tag) = local.split_once('+').map_or((local, None), |(base, tag)| (base, Some(tag)));
        let mut out = charclass(base, &mut self.rng("EMAIL_LOCAL", &base.to_ascii_lowercase(), 0));
        if let Some(tag) = tag {
            out.push('+');
            out.push_str(&charclass(tag, mt));
        }
        out.push('@');
        let lower = domain.to_ascii_lowercase();
        if self.free_mail.contains(&lower) {
            out.push_str(domain);
            return out;
        }
        let mut domain_rng = self.rng("EMAIL_DOMAIN", &lower, 0);
        let labels: Vec<&str> = domain.split('.').collect();
        let (last, rest) = labels.split_last().expect("split gives one label at least");
        for label in rest {
            out.push_str(&charclass(label, &mut domain_rng));
            out.push('.');
        }
        out.push_str(last);
        out
    }

    /// `_formats.national_number`: the digits after the calling code or the trunk prefix; None
    /// for a number whose calling code takes phonenumbers' parse to read.
    fn national_number(&self, value: &str) -> Option<String> {
        let digits: String = value.chars().filter(char::is_ascii_digit).collect();
        let stripped = strip_start(value);
        if stripped.starts_with('+') || stripped.starts_with("00") {
            let skip = self.calling_code_length(value)? + if stripped.starts_with("00") { 2 } else { 0 };
            return Some(digits.get(skip..).unwrap_or("").to_string());
        }
        Some(if stripped.trim_start_matches('(').starts_with('0') { digits[1..].to_string() } else { digits })
    }

    /// `_formats._country_code_length` of a plain international number (a "+" or "00", then 7
    /// to 15 digits and separators, and an extension "x123" or not): the shortest of its first
    /// one to three digits that is a calling code, else 2; 2 where its digits start with 0 (the
    /// parse refuses it). None for any other number: Python's to read.
    fn calling_code_length(&self, value: &str) -> Option<usize> {
        if value.len() > 250 {
            return None; // near phonenumbers' limit on the text it parses: Python's to read
        }
        // phonenumbers reads "00" as "+"; before a "+" only blanks and tabs are plain
        let text = match strip_start(value).strip_prefix("00") {
            Some(rest) => rest,
            None => value.trim_start_matches([' ', '\t']).strip_prefix('+')?,
        };
        // an extension as Faker writes one ("x450"), which phonenumbers reads before the number
        let number = match text.split_once('x') {
            Some((number, extension))
                if (1..=9).contains(&extension.len()) && extension.bytes().all(|b| b.is_ascii_digit()) =>
            {
                number
            }
            _ => text,
        };
        let separator = |b: u8| b" ().-/".contains(&b);
        if !number.bytes().all(|b| b.is_ascii_digit() || separator(b)) {
            return None;
        }
        if number.bytes().find(|&b| !separator(b)) == Some(b'0') {
            return Some(2); // no calling code starts with 0: phonenumbers refuses it
        }
        let digits: Vec<u32> = number.bytes().filter(u8::is_ascii_digit).map(|b| u32::from(b - b'0')).collect();
        if !number.starts_with(|c: char| ('1'..='9').contains(&c)) || !(7..=15).contains(&digits.len()) {
            return None;
        }
        let code = |n: usize| digits[..n].iter().fold(0, |acc, d| acc * 10 + d);
        Some((1..=3).find(|&n| self.calling_codes.contains(&code(n))).unwrap_or(2))
    }

    /// `names.street_suffix` of an ASCII word: the street type glued to its end (Stenstraat:
    /// straat), the longest `_GLUED_SUFFIX` finds, which takes one of the ambiguous types (ring,
    /// pad, wal) only after three word characters and a consonant; else "".
    fn street_suffix<'a>(&self, word: &'a str) -> &'a str {
        let lower = word.to_ascii_lowercase();
        let consonant = |b: u8| python::word(b) && !b.is_ascii_digit() && !b"aeiouy".contains(&b);
        (1..word.len())
            .find(|&at| {
                let tail = &lower[at..];
                let ambiguous = self.glued_ambiguous.iter().any(|t| t == tail);
                let bytes = lower.as_bytes();
                if ambiguous {
                    at >= 4 && bytes[at - 4..at - 1].iter().all(|&b| python::word(b)) && consonant(bytes[at - 1])
                } else {
                    self.glued.iter().any(|t| t == tail)
                }
            })
            .map_or("", |at| &word[at..])
    }

    /// `fakes.is_placeholder`: of ASCII text, and of text beyond it whose characters the letters
    /// table reads (a Kelvin sign lowers to k); false for other text, which the core does not fake.
    pub(crate) fn is_placeholder(&self, value: &str) -> bool {
        if !value.is_ascii() {
            return self.letters.get().lower(strip(value)).is_some_and(|lower| self.placeholders.contains(&lower));
        }
        let bytes = value.as_bytes();
        if bytes.len() > self.longest_placeholder && !(space(bytes[0]) || space(bytes[bytes.len() - 1])) {
            return false;
        }
        self.placeholders.contains(&strip(value).to_ascii_lowercase())
    }
}

/// `_make`'s draws: up to four, until one differs from the value (and, for a name-like
/// entity, shares no word with it: `_echoes`).
fn redraw(value: &str, echoes: bool, mut mt: Mt, mut draw: impl FnMut(&mut Mt) -> String) -> String {
    let mut result = value.to_string();
    for _ in 0..4 {
        result = draw(&mut mt);
        if result != value && !(echoes && shares_word(value, &result)) {
            break;
        }
    }
    result
}

/// `_echoes` of ASCII text: a run of three letters or more of the fake is one of the value's,
/// ignoring case.
fn shares_word(value: &str, fake: &str) -> bool {
    let lower = |text: &str| -> HashSet<String> { words(text).map(str::to_ascii_lowercase).collect() };
    !lower(value).is_disjoint(&lower(fake))
}

/// `fakes._WORDS.findall` of ASCII text: runs of three letters or more.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_ascii_alphabetic()).filter(|w| w.len() >= 3)
}

thread_local! {
    /// The key a first draw is looked up under, written here: a lookup allocates nothing.
    static DRAW_KEY: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// A first draw's key in `Maker::cache`: the entity, a NUL (which no entity holds, so no two
/// pairs share a key), the value.
fn draw_key(key: &mut String, entity: &str, text: &str) {
    key.clear();
    key.push_str(entity);
    key.push('\0');
    key.push_str(text);
}

/// `_cache.remember` of a fake: kept under ``key``, the cache emptied first when it holds
/// `CACHED_FAKES`.
fn keep<K: Eq + Hash>(cache: &Mutex<HashMap<K, String>>, key: K, fake: String) {
    let mut cache = cache.lock().expect("no panic holds the lock");
    if cache.len() >= CACHED_FAKES {
        cache.clear();
    }
    cache.insert(key, fake);
}

/// `fakes._draw`: up to twenty names of the pool, until one holds none of the ``taken`` words
/// and is no variant of ``original``, each name case-folded by ``fold``. Some(None) where none
/// was found; None where ``fold`` reads no name drawn.
fn draw<'a>(
    pool: &'a [String], original: &str, taken: &[String], fold: impl Fn(&str) -> Option<String>, mt: &mut Mt,
) -> Option<Option<&'a str>> {
    for _ in 0..(if pool.is_empty() { 0 } else { 20 }) {
        let name = &pool[mt.below(pool.len() as u128) as usize];
        let folded = fold(name)?;
        if !taken.iter().any(|w| folded.contains(w.as_str())) && !variant(&folded, original) {
            return Some(Some(name));
        }
    }
    Some(None)
}

/// The names of ``length`` characters of a pool.
fn by_length(names: &HashMap<usize, Vec<String>>, length: usize) -> &[String] {
    names.get(&length).map_or(&[][..], Vec::as_slice)
}

/// `fakes._variant`: half the characters or more are the original's, in the same places.
fn variant(name: &str, original: &str) -> bool {
    2 * name.chars().zip(original.chars()).filter(|(a, b)| a == b).count() >= original.chars().count()
}

/// `fakes._keep_separators`: the value's words replaced by ``fakes`` in order (a word beyond
/// them kept), its blanks kept.
fn keep_separators(value: &str, fakes: &[String]) -> String {
    let inner = strip(value);
    let start = inner.as_ptr() as usize - value.as_ptr() as usize;
    let mut out = value[..start].to_string();
    let mut at = start;
    for (i, (offset, word)) in split(inner).enumerate() {
        out.push_str(&value[at..start + offset]);
        out.push_str(fakes.get(i).map_or(word, String::as_str));
        at = start + offset + word.len();
    }
    out.push_str(&value[at..]);
    out
}

/// `str.isupper()` of ASCII text: a letter, and none in lower case.
fn is_upper(text: &[u8]) -> bool {
    text.iter().any(u8::is_ascii_alphabetic) && !text.iter().any(u8::is_ascii_lowercase)
}

/// `str.islower()` of ASCII text.
fn is_lower(text: &[u8]) -> bool {
    text.iter().any(u8::is_ascii_alphabetic) && !text.iter().any(u8::is_ascii_uppercase)
}

/// `fakes._ADDRESS_WORD`'s class in ASCII text: `[\w'.-]`.
fn address_char(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'\'' | b'.' | b'-')
}

/// `_formats.identifier`: a type prefix (``cus_``) kept, the rest `charclass`, and a number
/// starting with no zero still starting with none.
fn identifier(value: &str, mt: &mut Mt) -> String {
    let letters = value.bytes().take_while(u8::is_ascii_alphabetic).count();
    let prefix = if (1..=12).contains(&letters) && matches!(value.as_bytes().get(letters), Some(b'_' | b'-')) {
        letters + 1
    } else {
        0
    };
    let (kept, rest) = value.split_at(prefix);
    let mut fake = charclass(rest, mt);
    if fake.starts_with('0') && !rest.is_empty() && !rest.starts_with('0') {
        fake.replace_range(..1, &char::from(b"123456789"[mt.below(9) as usize]).to_string());
    }
    format!("{kept}{fake}")
}

/// `_formats.card`: the brand's prefix, the length, the separators and a valid Luhn check digit.
fn card(value: &str, mt: &mut Mt) -> String {
    let digits: Vec<u8> = value.bytes().filter(u8::is_ascii_digit).collect();
    if !(12..=19).contains(&digits.len()) {
        return charclass(value, mt);
    }
    let keep = match digits[0] {
        b'2' | b'6' => 4,
        b'3' | b'5' => 2,
        _ => 1,
    };
    let mut candidate = Vec::new();
    for _ in 0..50 {
        candidate = digits[..keep].to_vec();
        candidate.extend((0..digits.len() - keep - 1).map(|_| b'0' + mt.below(10) as u8));
        let check = (b'0'..=b'9').find(|&d| luhn_valid(&[&candidate[..], &[d]].concat())).expect("one digit passes");
        candidate.push(check);
        if candidate != digits && (brand_ok(&candidate) || !brand_ok(&digits)) {
            break;
        }
    }
    relayout(value, &candidate)
}

/// `_formats.ssn`: a valid-looking US SSN for nine digits, other national ids redrawn.
fn ssn(value: &str, mt: &mut Mt) -> String {
    if value.bytes().filter(u8::is_ascii_digit).count() != 9 {
        return charclass(value, mt);
    }
    let area = loop {
        let area = mt.randint(1, 899);
        if area != 666 {
            break area;
        }
    };
    let (group, serial) = (mt.randint(1, 99), mt.randint(1, 9999));
    relayout(value, format!("{area:03}{group:02}{serial:04}").as_bytes())
}

/// `_formats.iban`: the country, the length, the layout of letters and digits and a valid
/// mod-97 check, in the original's layout and letter case.
fn iban(value: &str, mt: &mut Mt) -> String {
    let compact: Vec<u8> = value.bytes().filter(u8::is_ascii_alphanumeric).map(|b| b.to_ascii_uppercase()).collect();
    let (country, bban) = (&compact[..2], &compact[4..]);
    let fake_bban: Vec<u8> = bban
        .iter()
        .map(|c| if c.is_ascii_digit() { b'0' + mt.below(10) as u8 } else { b'A' + mt.below(26) as u8 })
        .collect();
    let remainder = fake_bban.iter().chain(country).chain(b"00").fold(0u32, |acc, &c| {
        let n = u32::from(if c.is_ascii_digit() { c - b'0' } else { c - b'A' + 10 });
        (acc * if n >= 10 { 100 } else { 10 } + n) % 97
    });
    let fake = [country, format!("{:02}", 98 - remainder).as_bytes(), &fake_bban].concat();
    let mut it = fake.into_iter();
    value
        .bytes()
        .map(|ch| match ch {
            _ if !ch.is_ascii_alphanumeric() => ch as char,
            _ if ch.is_ascii_lowercase() => it.next().expect("as many").to_ascii_lowercase() as char,
            _ => it.next().expect("as many") as char,
        })
        .collect()
}

/// `_formats.phone`: the calling code, the trunk prefix and the area code's first digit kept
/// (all but the last ``national`` digits, and one), the other digits drawn anew.
fn phone(value: &str, national: usize, mt: &mut Mt) -> String {
    let total = value.bytes().filter(u8::is_ascii_digit).count();
    let keep = total - national + 1;
    let mut n = 0;
    value
        .bytes()
        .map(|ch| {
            if !ch.is_ascii_digit() {
                return ch as char;
            }
            n += 1;
            if n > keep {
                (b'0' + mt.below(10) as u8) as char
            } else {
                ch as char
            }
        })
        .collect()
}

/// A date `_formats._DATE_FORMATS` finds: where, its three numbers' texts, the separator and
/// whether the year comes first.
struct DateMatch<'a> {
    start: usize,
    end: usize,
    parts: [&'a str; 3],
    separator: char,
    year_first: bool,
}

/// `_formats._DATE_FORMATS`' searches: `(\d{4})([-/.])(\d{1,2})\2(\d{1,2})`, else
/// `(\d{1,2})([-/.])(\d{1,2})\2(\d{4})`, the leftmost match of each with its greedy choices.
fn find_date(value: &str) -> Option<DateMatch<'_>> {
    let bytes = value.as_bytes();
    let digits = |at: usize, n: usize| at + n <= bytes.len() && bytes[at..at + n].iter().all(u8::is_ascii_digit);
    let lengths = |at: usize, choices: &'static [usize]| choices.iter().copied().filter(move |&n| digits(at, n));
    let at_separator = |at: usize| bytes.get(at).copied().filter(|b| b"-/.".contains(b));
    for year_first in [true, false] {
        let (first, last): (&[usize], &[usize]) = if year_first { (&[4], &[2, 1]) } else { (&[2, 1], &[4]) };
        for start in 0..bytes.len() {
            for a in lengths(start, first) {
                let Some(separator) = at_separator(start + a) else { continue };
                for b in lengths(start + a + 1, &[2, 1]) {
                    let at = start + a + 1 + b;
                    if bytes.get(at) != Some(&separator) {
                        continue;
                    }
                    if let Some(c) = lengths(at + 1, last).next() {
                        let end = at + 1 + c;
                        let parts = [&value[start..start + a], &value[start + a + 1..at], &value[at + 1..end]];
                        return Some(DateMatch { start, end, parts, separator: separator as char, year_first });
                    }
                }
            }
        }
    }
    None
}

/// `_formats.date`: the same format and separators, the year shifted by up to twelve, the
/// month and day drawn anew; February 29th stays one (in a leap year), a month's end stays one.
fn date(value: &str, mt: &mut Mt) -> String {
    let Some(DateMatch { start, end, parts: [a, b, c], separator, year_first }) = find_date(value) else {
        return charclass(value, mt);
    };
    let number = |text: &str| text.parse::<i64>().expect("digits");
    let (mut month, mut day, year) = match (year_first, number(a) > 12) {
        (true, _) => (number(b), number(c), number(a)),
        (false, true) => (number(b), number(a), number(c)),
        (false, false) => (number(a), number(b), number(c)),
    };
    let leap = month == 2 && day == 29;
    let new_year = loop {
        let shift = mt.below(24) as i64 - 12; // -12..=12 without 0
        let candidate = year + if shift >= 0 { shift + 1 } else { shift };
        if !leap || (candidate % 4 == 0 && (candidate % 100 != 0 || candidate % 400 == 0)) {
            break candidate;
        }
    };
    if !leap {
        month = mt.randint(1, 12);
        day = if day <= 28 {
            day
        } else if month == 2 {
            28
        } else {
            day.min(if matches!(month, 4 | 6 | 9 | 11) { 30 } else { 31 })
        };
        if day <= 28 {
            day = mt.randint(1, 28);
        }
    }
    let (mo, d) = (format!("{month:0w$}", w = b.len()), format!("{day:0w$}", w = if year_first { c } else { a }.len()));
    let new = if year_first {
        format!("{new_year}{separator}{mo}{separator}{d}")
    } else if number(a) > 12 || separator == '.' {
        format!("{d}{separator}{mo}{separator}{new_year}")
    } else {
        format!("{mo}{separator}{d}{separator}{new_year}")
    };
    format!("{}{new}{}", &value[..start], &value[end..])
}

/// A value of a flat JSON object: text, or a number, boolean or null written as it was read.
enum Json<'a> {
    Text(String),
    Plain(&'a str),
}

/// The members of a flat JSON object as orjson reads it, in order: text, integers of 18 digits
/// at most (orjson reads a longer one as a float), booleans and nulls. None for anything else, a
/// repeated name included.
fn flat_json_object(text: &str) -> Option<Vec<(String, Json<'_>)>> {
    let blank = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r');
    let mut rest = text.trim_start_matches(blank).strip_prefix('{')?.trim_start_matches(blank);
    let mut members: Vec<(String, Json)> = Vec::new();
    let mut names = HashSet::default();
    if let Some(after) = rest.strip_prefix('}') {
        return after.trim_matches(blank).is_empty().then_some(members);
    }
    loop {
        let (key, len) = json_string(rest)?;
        if !names.insert(key.clone()) {
            return None;
        }
        rest = rest[len..].trim_start_matches(blank).strip_prefix(':')?.trim_start_matches(blank);
        let (value, len) = if rest.starts_with('"') {
            let (text, len) = json_string(rest)?;
            (Json::Text(text), len)
        } else {
            let len = rest.find(|c: char| blank(c) || c == ',' || c == '}')?;
            let token = &rest[..len];
            let digits = token.strip_prefix('-').unwrap_or(token);
            let integer = !digits.is_empty()
                && digits.len() <= 18
                && digits.bytes().all(|b| b.is_ascii_digit())
                && (digits == "0" || !digits.starts_with('0'))
                && token != "-0";
            if !(integer || matches!(token, "true" | "false" | "null")) {
                return None;
            }
            (Json::Plain(token), len)
        };
        members.push((key, value));
        rest = rest[len..].trim_start_matches(blank);
        if let Some(after) = rest.strip_prefix('}') {
            return after.trim_matches(blank).is_empty().then_some(members);
        }
        rest = rest.strip_prefix(',')?.trim_start_matches(blank);
    }
}

/// The JSON string at the start of ``rest`` as orjson reads it, and how many bytes it takes.
/// None where orjson refuses it (a control character, an unknown escape, a lone surrogate).
fn json_string(rest: &str) -> Option<(String, usize)> {
    let body = rest.strip_prefix('"')?;
    let bytes = body.as_bytes();
    let hex = |at: usize| -> Option<u32> {
        let digits = body.get(at..at + 4).filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()))?;
        u32::from_str_radix(digits, 16).ok()
    };
    let (mut text, mut at, mut plain) = (String::new(), 0, 0);
    loop {
        match *bytes.get(at)? {
            b'"' => {
                text.push_str(&body[plain..at]);
                return Some((text, at + 2));
            }
            b'\\' => {
                text.push_str(&body[plain..at]);
                let (c, len) = match *bytes.get(at + 1)? {
                    b'"' => ('"', 2),
                    b'\\' => ('\\', 2),
                    b'/' => ('/', 2),
                    b'b' => ('\u{8}', 2),
                    b'f' => ('\u{c}', 2),
                    b'n' => ('\n', 2),
                    b'r' => ('\r', 2),
                    b't' => ('\t', 2),
                    b'u' => match hex(at + 2)? {
                        high @ 0xD800..=0xDBFF => {
                            let low = hex(at + 8)
                                .filter(|low| body[at + 6..].starts_with("\\u") && (0xDC00..=0xDFFF).contains(low))?;
                            (char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))?, 12)
                        }
                        code => (char::from_u32(code)?, 6), // a lone low surrogate is no char: None
                    },
                    _ => return None,
                };
                text.push(c);
                at += len;
                plain = at;
            }
            b if b < 0x20 => return None,
            _ => at += 1,
        }
    }
}

/// ``text`` as orjson writes a JSON string: quotes and backslashes escaped, control characters
/// as their short escapes or ``\u00XX``, everything else as it is.
fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Base64 as a Basic pair is written (`b64encode`) and read here: padded, the padding exactly as
/// an encoder writes it, the unused bits of the last character ignored (as Python ignores them).
/// Other text (`b64decode` and `urlsafe_b64decode` differ on it) is Python's to read.
const STANDARD: GeneralPurpose =
    GeneralPurpose::new(&alphabet::STANDARD, GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true));
/// The URL-safe alphabet without padding, as a JWT's parts are written (`urlsafe_b64encode`,
/// its padding cut), the unused bits ignored as `fakes._b64decode` ignores them.
const URLSAFE: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(true),
);

/// `_formats._relayout`: ``digits`` in the places of the value's digits.
fn relayout(value: &str, digits: &[u8]) -> String {
    let mut it = digits.iter();
    value
        .bytes()
        .map(|ch| if ch.is_ascii_digit() { *it.next().expect("as many") as char } else { ch as char })
        .collect()
}

/// `str.lstrip()` of ASCII text.
fn strip_start(text: &str) -> &str {
    text.trim_start_matches(|c: char| c.is_ascii() && space(c as u8))
}

/// `_normal` of a name, a username or an address: stripped, case-folded.
fn folded(value: &str) -> String {
    strip(value).to_ascii_lowercase()
}

/// `str.strip()` of ASCII text.
fn strip(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_ascii() && space(c as u8))
}
