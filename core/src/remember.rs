//! `engine.Sanitizer._remember` for an ASCII original and fake (most of them), and, with the
//! maker's letters table, for names and addresses beyond ASCII: the fake is allowed in the output
//! in each form a dump writes it in, and the original (with a person's words, its lower case and
//! a mailbox's name) becomes a known value, as the Python method does it, in the same order (the
//! order of the known values is the order propagation tries them in).

use pyo3::prelude::*;
use pyo3::types::{PyDict, PySet, PyString, PyTuple};

use rustc_hash::FxHashSet as HashSet;

use crate::letters::{Letters, ALPHA, DIGIT};
use crate::python::split;

pub struct Remember {
    /// `engine._PROPAGATED`: the entities whose originals are replaced wherever they appear.
    pub propagated: HashSet<String>,
    /// `names._NOT_NAMES`, lower case: words too common to replace everywhere.
    pub not_names: HashSet<Vec<u8>>,
    /// `gazetteer.street_words()`: a person's name that is also a street type stays.
    pub street_words: HashSet<Vec<u8>>,
}

/// `engine._LOGIN_SHAPED` in ASCII text: a letter, a dot, dash or underscore, a letter; or a digit.
fn login_shaped(text: &[u8]) -> bool {
    text.iter().any(u8::is_ascii_digit)
        || text
            .windows(3)
            .any(|w| w[0].is_ascii_alphabetic() && matches!(w[1], b'.' | b'_' | b'-') && w[2].is_ascii_alphabetic())
}

/// `detectors.is_loopback`'s first test, which its parse follows: only a host starting `127.`,
/// or an IPv6 one ending in 1 or scoped (`%lo`), may be a loopback address.
fn may_be_loopback(value: &str) -> bool {
    let host = match value.split_once(':') {
        Some((host, rest)) if !rest.contains(':') => host,
        _ => value.trim_matches(['[', ']']),
    };
    host.starts_with("127.") || (host.contains(':') && (host.ends_with('1') || host.contains('%')))
}

impl Remember {
    /// Whether the method's work was done here: an IP address that may be a loopback one (whose
    /// test is `ipaddress`'s), an e-mail address beyond ASCII, text beyond ASCII without the
    /// ``letters`` table or with a character it leaves out, and a fake a dump would escape
    /// otherwise than a quote (any character but printable ASCII and letters) are left to Python.
    pub fn remember<'py>(
        &self, original: &Bound<'py, PyString>, fake: &Bound<'py, PyString>, entity: &Bound<'py, PyString>,
        known: &Bound<'py, PyDict>, fakes: &Bound<'py, PySet>, letters: Option<&Letters>,
    ) -> PyResult<bool> {
        let py = known.py();
        let (Some(text), Some(faked)) = (original.to_str().ok(), fake.to_str().ok()) else {
            return Ok(false);
        };
        let kind = entity.to_str()?;
        if kind == "IP_ADDRESS" && may_be_loopback(text) {
            return Ok(false);
        }
        // beyond ASCII, what Python's str methods say of a character is the letters table's
        let table = if text.is_ascii() && faked.is_ascii() {
            None
        } else {
            match letters {
                Some(table) if kind != "EMAIL_ADDRESS" && table.reads(text) && table.reads(faked) => Some(table),
                _ => return Ok(false),
            }
        };
        let read = Reading { table };
        let (Some(forms), Some(lower), Some(fake_lower)) = (escaped(faked, table), read.lower(text), read.lower(faked))
        else {
            return Ok(false);
        };
        fakes.add(fake)?; // the fake's own string: its hash is kept
        for form in forms {
            fakes.add(form)?;
        }
        let length = |s: &str| s.chars().count();
        if !self.propagated.contains(kind)
            || length(text) < read.min_known_length(text)
            || self.not_names.contains(lower.as_bytes())
        {
            return Ok(true);
        }
        if kind == "PERSON" && self.street_words.contains(lower.as_bytes()) {
            return Ok(true);
        }
        let set_default = |key: &str, value: Bound<'py, PyTuple>| -> PyResult<()> {
            let key = PyString::new(py, key);
            if !known.contains(&key)? {
                known.set_item(key, value)?;
            }
            Ok(())
        };
        known.set_item(original, PyTuple::new(py, [fake.as_any(), entity.as_any()])?)?;
        if kind == "PERSON" {
            for ((_, part), (_, fake_part)) in split(text).zip(split(faked)) {
                let part_lower = read.lower(part).expect("a word of a text the table reads");
                if length(part) >= read.min_known_length(part).min(3)
                    && part != fake_part
                    && !read.is_digits(part)
                    && !self.not_names.contains(part_lower.as_bytes())
                    && !self.street_words.contains(part_lower.as_bytes())
                {
                    set_default(part, PyTuple::new(py, [PyString::new(py, fake_part).as_any(), entity.as_any()])?)?;
                }
            }
        }
        if (kind == "EMAIL_ADDRESS" || kind == "PERSON") && lower != text {
            let fake_lower = PyString::new(py, &fake_lower);
            set_default(&lower, PyTuple::new(py, [fake_lower.as_any(), entity.as_any()])?)?;
        }
        if kind == "EMAIL_ADDRESS" {
            let local = text.rsplit_once('@').map_or("", |(local, _)| local);
            let fake_local = faked.rsplit_once('@').map_or("", |(local, _)| local);
            let base = |s: &'_ str| -> String { s.split('+').next().unwrap_or_default().to_owned() };
            for (part, fake_part) in [(local.to_owned(), fake_local.to_owned()), (base(local), base(fake_local))] {
                if part.len() >= 5 && part != fake_part && login_shaped(part.as_bytes()) {
                    let username = PyString::new(py, "USERNAME");
                    set_default(&part, PyTuple::new(py, [PyString::new(py, &fake_part).as_any(), username.as_any()])?)?;
                }
            }
        }
        Ok(true)
    }
}

/// Python's `str` methods on ASCII text, and beyond it on text the letters table reads.
struct Reading<'a> {
    table: Option<&'a Letters>,
}

impl Reading<'_> {
    fn lower(&self, text: &str) -> Option<String> {
        match self.table {
            Some(table) => table.lower(text),
            None => Some(text.to_ascii_lowercase()),
        }
    }

    /// `_known.min_known_length`: 4, or 1 for a word of an uncased script (a Han given name).
    fn min_known_length(&self, text: &str) -> usize {
        let cased = || self.table.and_then(|table| Some(table.lower(text)? != table.upper(text)?)).unwrap_or(true);
        if text.is_ascii() || cased() {
            4
        } else {
            1
        }
    }

    /// `str.isdigit()`.
    fn is_digits(&self, text: &str) -> bool {
        !text.is_empty()
            && text.chars().all(|c| {
                if c.is_ascii() {
                    c.is_ascii_digit()
                } else {
                    self.table.is_some_and(|table| table.is(c, DIGIT))
                }
            })
    }
}

/// `_known.escaped(fake)` but the fake itself: the other forms a dump may write ``fake`` in
/// (JSON with and without its characters beyond ASCII escaped; a repr's), none where every dump
/// writes it as it is. None for a fake holding anything but printable ASCII and letters
/// (`str.isalpha`, which are all printable): its repr escapes more.
fn escaped(fake: &str, letters: Option<&Letters>) -> Option<Vec<String>> {
    let printable = |c: char| (' '..='~').contains(&c);
    if fake.chars().all(printable) && !fake.contains(['"', '\'', '\\']) {
        return Some(Vec::new());
    }
    if !fake.chars().all(|c| printable(c) || (!c.is_ascii() && letters.is_some_and(|l| l.is(c, ALPHA)))) {
        return None;
    }
    let quote = if fake.contains('\'') && !fake.contains('"') { '"' } else { '\'' };
    let (mut ascii_json, mut json, mut repr) = (String::new(), String::new(), String::new());
    for c in fake.chars() {
        if matches!(c, '"' | '\\') {
            json.push('\\');
            ascii_json.push('\\');
        }
        json.push(c);
        if c.is_ascii() {
            ascii_json.push(c);
        } else {
            for unit in c.encode_utf16(&mut [0; 2]) {
                ascii_json.push_str(&format!("\\u{unit:04x}"));
            }
        }
        if c == '\\' || c == quote {
            repr.push('\\');
        }
        repr.push(c);
    }
    Some(vec![ascii_json, json, repr])
}
