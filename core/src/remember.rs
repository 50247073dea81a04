//! `engine.Sanitizer._remember` for an ASCII original and fake (most of them): the fake is
//! allowed in the output, and the original (with a person's words, its lower case and a
//! mailbox's name) becomes a known value, as the Python method does it, in the same order (the
//! order of the known values is the order propagation tries them in).

use pyo3::prelude::*;
use pyo3::types::{PyDict, PySet, PyString, PyTuple};

use rustc_hash::FxHashSet as HashSet;

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
    /// Whether the method's work was done here: an IP address that may be a loopback one
    /// (whose test is `ipaddress`'s), text beyond ASCII, or a fake a dump would escape are left
    /// to Python.
    pub fn remember<'py>(
        &self, original: &Bound<'py, PyString>, fake: &Bound<'py, PyString>, entity: &Bound<'py, PyString>,
        known: &Bound<'py, PyDict>, fakes: &Bound<'py, PySet>,
    ) -> PyResult<bool> {
        let py = known.py();
        let (Some(text), Some(faked)) = (original.to_str().ok(), fake.to_str().ok()) else {
            return Ok(false);
        };
        let kind = entity.to_str()?;
        let plain = |s: &str| s.bytes().all(|b| (0x20..0x7F).contains(&b) && !matches!(b, b'"' | b'\'' | b'\\'));
        if !text.is_ascii() || !plain(faked) || (kind == "IP_ADDRESS" && may_be_loopback(text)) {
            return Ok(false);
        }
        fakes.add(fake)?; // escaped(fake): a printable ASCII fake without quotes is written as it is
        let lower = text.to_ascii_lowercase();
        if !self.propagated.contains(kind) || text.len() < 4 || self.not_names.contains(lower.as_bytes()) {
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
                let part_lower = part.to_ascii_lowercase();
                if part.len() >= 3
                    && part != fake_part
                    && !part.bytes().all(|b| b.is_ascii_digit())
                    && !self.not_names.contains(part_lower.as_bytes())
                    && !self.street_words.contains(part_lower.as_bytes())
                {
                    set_default(part, PyTuple::new(py, [PyString::new(py, fake_part).as_any(), entity.as_any()])?)?;
                }
            }
        }
        if (kind == "EMAIL_ADDRESS" || kind == "PERSON") && lower != text {
            let fake_lower = PyString::new(py, &faked.to_ascii_lowercase());
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
