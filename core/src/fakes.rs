//! The fakes whose generators all live in the core, made whole here for an ASCII value: IP
//! addresses, secrets, cookies, a name's words, street addresses, and `charclass` for the
//! entities without a generator of their own (usernames, generic values, PEM keys). Seeding, drawing and drawing again are
//! `FakeFactory._make_here`'s, its reference, which makes every other value; the seed is the
//! one `FakeFactory.rng` takes, so a fake is the same whichever of the two made it.

use std::collections::{HashMap, HashSet};

use hmac::{Hmac, Mac};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyString;
use regex::Regex;
use sha2::Sha256;

use crate::classes::charclass;
use crate::ip;
use crate::mt::Mt;
use crate::python::space;

#[pyclass(module = "sanitizers._core", frozen)]
pub struct Maker {
    mac: Hmac<Sha256>,
    /// `_formats._SECRET_PREFIX`: a provider's prefix a secret's fake keeps.
    secret_prefix: Regex,
    /// `fakes._PLACEHOLDERS`, and the length of the longest.
    placeholders: HashSet<String>,
    longest_placeholder: usize,
    /// `fakes._COOKIE_ATTRIBUTES`: the parts of a `Set-Cookie` kept as they are.
    cookie_attributes: HashSet<String>,
    /// The ASCII first names by length (`fakes._name_pools("ascii")`), and the last names.
    firsts: HashMap<usize, Vec<String>>,
    lasts: Vec<String>,
    /// `street_words()`, and the street types a word may end in (`names._GLUED_TYPES`): an
    /// address with such a word is Python's to fake (`names.street_suffix`).
    streets: HashSet<String>,
    glued: Vec<String>,
}

#[pymethods]
impl Maker {
    #[new]
    #[allow(clippy::too_many_arguments)]
    fn new(
        key: &[u8], secret_prefix: &str, placeholders: Vec<String>, cookie_attributes: Vec<String>,
        firsts: Vec<String>, lasts: Vec<String>, streets: Vec<String>, glued: Vec<String>,
    ) -> PyResult<Self> {
        let mut by_length: HashMap<usize, Vec<String>> = HashMap::new();
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
        })
    }

    /// `FakeFactory._make_here(entity, value, salt)` for an ASCII value of an entity made here;
    /// None for any other (Python's to make).
    fn make(&self, entity: &str, value: &Bound<'_, PyString>, salt: u32) -> Option<String> {
        let value = value.to_str().ok().filter(|v| v.is_ascii())?;
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
            "ADDRESS" if !self.has_glued_street_type(value) => {
                Some(redraw(value, false, self.rng(entity, &folded(value), salt), |mt| self.address(value, mt)))
            }
            "GENERIC" | "PEM_KEY" => {
                Some(redraw(value, false, self.rng(entity, value, salt), |mt| charclass(value, mt)))
            }
            _ => None,
        }
    }
}

impl Maker {
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
        if self.is_placeholder(value) {
            return Some(value.to_string());
        }
        Some(redraw(value, false, self.rng("SECRET", value, 0), |mt| self.secret(value, mt)))
    }

    /// `FakeFactory._cookie_string`: each value a secret's fake, names, separators and a
    /// `Set-Cookie`'s attributes kept.
    fn cookie(&self, value: &str) -> Option<String> {
        if !value.contains('=') {
            return self.secret_fake(value);
        }
        // `_COOKIE_SEPARATORS` keeps the blanks after a ";" out of the next name; here the name
        // keeps them, as the output does, and stripping it reads the same attribute
        let mut parts = Vec::new();
        for part in value.split(';') {
            parts.push(match part.split_once('=') {
                Some((name, secret))
                    if !secret.is_empty() && !self.cookie_attributes.contains(&strip(name).to_ascii_lowercase()) =>
                {
                    format!("{name}={}", self.secret_fake(secret)?)
                }
                _ => part.to_string(),
            });
        }
        Some(parts.join(";"))
    }

    /// `fakes._person`: a first name of the same length, in the same casing, holding none of the
    /// value's words and no variant of it; letters of the same class when the list has none.
    fn person(&self, value: &str, mt: &mut Mt) -> String {
        let word = strip(value);
        let folded = word.to_ascii_lowercase();
        let mut taken = vec![folded.clone()];
        taken.extend(words(value).map(str::to_ascii_lowercase));
        let pool = self.firsts.get(&word.len()).map_or(&[][..], Vec::as_slice);
        let Some(name) = draw(pool, &folded, &taken, mt) else {
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
        keep_separators(value, &fake)
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
                let name = &self.lasts[mt.below(self.lasts.len() as u128) as usize];
                out.push_str(&if is_lower(wb) { name.to_ascii_lowercase() } else { name.clone() });
            }
            at += run;
        }
        if out == value {
            charclass(value, mt) // street words only: still not the original
        } else {
            out
        }
    }

    /// Whether a word of the address ends in a street type glued to it (Stenstraat).
    fn has_glued_street_type(&self, value: &str) -> bool {
        value.split(|c: char| !address_char(c as u8)).any(|w| {
            let lower = w.to_ascii_lowercase();
            self.glued.iter().any(|ending| lower.ends_with(ending.as_str()))
        })
    }

    /// `fakes.is_placeholder` of ASCII text.
    fn is_placeholder(&self, value: &str) -> bool {
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

/// `fakes._draw`: up to twenty names of the pool, until one holds none of the ``taken`` words
/// and is no variant of ``original``.
fn draw<'a>(pool: &'a [String], original: &str, taken: &[String], mt: &mut Mt) -> Option<&'a str> {
    for _ in 0..(if pool.is_empty() { 0 } else { 20 }) {
        let name = &pool[mt.below(pool.len() as u128) as usize];
        let folded = name.to_ascii_lowercase();
        if !taken.iter().any(|w| folded.contains(w.as_str())) && !variant(&folded, original) {
            return Some(name);
        }
    }
    None
}

/// `fakes._variant`: half the letters or more are the original's, in the same places.
fn variant(name: &str, original: &str) -> bool {
    2 * name.bytes().zip(original.bytes()).filter(|(a, b)| a == b).count() >= original.len()
}

/// `fakes._keep_separators` with one word: the first word of the value replaced, its blanks kept.
fn keep_separators(value: &str, fake: &str) -> String {
    let inner = strip(value);
    let start = inner.as_ptr() as usize - value.as_ptr() as usize;
    let first = inner.bytes().take_while(|&b| !space(b)).count();
    format!("{}{fake}{}", &value[..start], &value[start + first..])
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

/// `_normal` of a name, a username or an address: stripped, case-folded.
fn folded(value: &str) -> String {
    strip(value).to_ascii_lowercase()
}

/// `str.strip()` of ASCII text.
fn strip(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_ascii() && space(c as u8))
}
