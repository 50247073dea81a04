//! The fakes whose generators all live in the core, made whole here for an ASCII value: IP
//! addresses, secrets, cookies, and `charclass` for the entities without a generator of their
//! own (usernames, generic values, PEM keys). Seeding, drawing and drawing again are
//! `FakeFactory._make_here`'s, its reference, which makes every other value; the seed is the
//! one `FakeFactory.rng` takes, so a fake is the same whichever of the two made it.

use std::collections::HashSet;

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
}

#[pymethods]
impl Maker {
    #[new]
    fn new(
        key: &[u8], secret_prefix: &str, placeholders: Vec<String>, cookie_attributes: Vec<String>,
    ) -> PyResult<Self> {
        Ok(Maker {
            mac: Hmac::new_from_slice(key).expect("HMAC takes a key of any length"),
            secret_prefix: Regex::new(secret_prefix).map_err(|e| PyValueError::new_err(e.to_string()))?,
            longest_placeholder: placeholders.iter().map(String::len).max().unwrap_or(0),
            placeholders: placeholders.into_iter().collect(),
            cookie_attributes: cookie_attributes.into_iter().collect(),
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
            "USERNAME" => {
                let normal = strip(value).to_ascii_lowercase(); // `_normal`: stripped, case-folded
                Some(redraw(value, true, self.rng(entity, &normal, salt), |mt| charclass(value, mt)))
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
    let words = |text: &str| -> HashSet<String> {
        text.split(|c: char| !c.is_ascii_alphabetic()).filter(|w| w.len() >= 3).map(str::to_ascii_lowercase).collect()
    };
    !words(value).is_disjoint(&words(fake))
}

/// `str.strip()` of ASCII text.
fn strip(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_ascii() && space(c as u8))
}
