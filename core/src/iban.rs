//! `detectors.detect_iban` on ASCII text: presidio's IBAN pattern and validation, and the
//! lower-case IBANs of a text that says "IBAN".
//!
//! presidio's pattern, `(?<![A-Z0-9])([A-Z]{2}[0-9]{2}(?:[ -]?[A-Z0-9]{4}){2,6})` then
//! `((?:[ -]?[A-Z0-9]{4})?)((?:[ -]?[A-Z0-9]{1,3})?)(?![A-Z0-9])`, is matched here as Python's
//! backtracking engine matches it: each separator is taken when a group of letters and digits
//! follows it (without it, that group would start at the separator), so what remains to choose
//! is how many groups of four the first part takes, whether the second part is there and how
//! long the third is: the most first, less where the lookahead fails.

use rustc_hash::FxHashMap as HashMap;

use regex::Regex;

use crate::prefilter::IBAN;
use crate::python::{finditer, word};

/// The exact pattern this module replicates; a presidio release with another is read in Python.
pub const PRESIDIO_PATTERN: &str = "(?<![A-Z0-9])([A-Z]{2}[0-9]{2}(?:[ -]?[A-Z0-9]{4}){2,6})((?:[ -]?[A-Z0-9]{4})?)\
((?:[ -]?[A-Z0-9]{1,3})?)(?![A-Z0-9])";

fn upper_alnum(byte: u8) -> bool {
    byte.is_ascii_uppercase() || byte.is_ascii_digit()
}

fn lower_alnum(byte: u8) -> bool {
    byte.is_ascii_lowercase() || byte.is_ascii_digit()
}

/// Two letters (`letter`) then two digits at `at`, with no byte `before` matches right before them.
fn starts_here(text: &[u8], at: usize, before: impl Fn(u8) -> bool, letter: fn(&u8) -> bool) -> bool {
    !(at > 0 && before(text[at - 1]))
        && text
            .get(at..at + 4)
            .is_some_and(|head| head[..2].iter().all(letter) && head[2..].iter().all(u8::is_ascii_digit))
}

/// The end of `count` bytes of `class` at `at`, after one of `separators` if there is one
/// there (taken only when the group follows it).
fn group(text: &[u8], at: usize, separators: &[u8], class: fn(u8) -> bool, count: usize) -> Option<usize> {
    let run = |from: usize| {
        (text.len() >= from + count && text[from..from + count].iter().all(|&b| class(b))).then_some(from + count)
    };
    match text.get(at) {
        Some(b) if separators.contains(b) => run(at + 1),
        _ => run(at),
    }
}

/// Where an optional part of 1 to 3 bytes of `class` may end after `at`, the longest first,
/// then `at` itself (the part left out).
fn tail_ends(text: &[u8], at: usize, separators: &[u8], class: fn(u8) -> bool) -> Vec<usize> {
    let from = if text.get(at).is_some_and(|b| separators.contains(b)) { at + 1 } else { at };
    let available = text[from.min(text.len())..].iter().take(3).take_while(|&&b| class(b)).count();
    (1..=available).rev().map(|n| from + n).chain(std::iter::once(at)).collect()
}

/// The ends of the groups of four after `at`: one per group, as far as they go (at most `most`).
fn groups_of_four(text: &[u8], mut at: usize, separators: &[u8], class: fn(u8) -> bool, most: usize) -> Vec<usize> {
    let mut ends = Vec::new();
    while ends.len() < most {
        match group(text, at, separators, class, 4) {
            Some(end) => {
                ends.push(end);
                at = end;
            }
            None => break,
        }
    }
    ends
}

pub struct Iban {
    /// presidio's country formats (`regex_per_country`), anchored at the start as `match` is.
    pub formats: HashMap<[u8; 2], Regex>,
}

impl Iban {
    /// presidio's `IbanRecognizer.validate_result` as the detector scores it: the checksum and
    /// the country's format (a candidate here is upper case, so the format decides alone).
    fn valid(&self, candidate: &[u8]) -> bool {
        let compact: Vec<u8> = candidate.iter().copied().filter(|b| !matches!(b, b' ' | b'-')).collect();
        if compact.len() < 4 {
            return false;
        }
        let mut moved: Vec<u8> = compact[4..].to_ascii_uppercase();
        moved.extend_from_slice(&compact[..2].to_ascii_uppercase());
        moved.extend_from_slice(b"00");
        let mut remainder = 0u32;
        for &b in &moved {
            let value = match b {
                b'0'..=b'9' => u32::from(b - b'0'),
                b'A'..=b'Z' => u32::from(b - b'A') + 10,
                _ => return false, // int() refuses it
            };
            remainder = (remainder * if value >= 10 { 100 } else { 10 } + value) % 97;
        }
        let check = format!("{:02}", 98 - remainder);
        check.as_bytes() == &compact[2..4]
            && self
                .formats
                .get(&[compact[0], compact[1]])
                .is_some_and(|format| std::str::from_utf8(&compact).is_ok_and(|text| format.is_match(text)))
    }

    /// `CompiledIban.spans`: for each match of presidio's pattern, the longest of its group
    /// ends that makes a valid IBAN.
    fn presidio_spans(&self, text: &[u8]) -> Vec<(usize, usize)> {
        let found = finditer(text.len(), |at| self.presidio_match(text, at), |(_, _, third)| third);
        found
            .into_iter()
            .filter_map(|(at, (first, second, third))| {
                [third, second, first].into_iter().find(|&end| self.valid(&text[at..end])).map(|end| (at, end))
            })
            .collect()
    }

    /// The ends of the three groups of presidio's pattern matched at `at`, if it matches there.
    fn presidio_match(&self, text: &[u8], at: usize) -> Option<(usize, usize, usize)> {
        if !starts_here(text, at, upper_alnum, u8::is_ascii_uppercase) {
            return None;
        }
        let fours = groups_of_four(text, at + 4, b" -", upper_alnum, 6);
        for k in (2..=fours.len()).rev() {
            let first = fours[k - 1];
            let seconds: Vec<usize> = group(text, first, b" -", upper_alnum, 4).into_iter().chain([first]).collect();
            for second in seconds {
                for third in tail_ends(text, second, b" -", upper_alnum) {
                    if !text.get(third).is_some_and(|&b| upper_alnum(b)) {
                        return Some((first, second, third));
                    }
                }
            }
        }
        None
    }

    /// The spans `detect_iban` finds in ``text``, in bytes; None where Python reads it. Beyond
    /// ASCII that is a text that says "iban" (its lower-case IBANs are taken by Python's Unicode
    /// classes) or holds a letter Python's `(?i)` reads as an ASCII one (ı, İ, ſ, the Kelvin sign:
    /// the detector's gate then reads the text otherwise); elsewhere the pattern's classes and
    /// lookarounds are ASCII, which no byte of another character is.
    pub fn read(&self, text: &str) -> Option<Vec<(usize, usize)>> {
        if !text.is_ascii() && (text.contains(['ı', 'İ', 'ſ', '\u{212A}']) || mentions_iban(text.as_bytes())) {
            return None;
        }
        Some(self.spans(text.as_bytes()))
    }

    /// The spans `detect_iban` finds in ASCII ``text``: presidio's, then the lower-case IBANs
    /// of a text that says "iban" that presidio validates upper-cased.
    pub fn spans(&self, text: &[u8]) -> Vec<(usize, usize)> {
        // presidio's spans behind its gate (`detectors._presidio_iban`), which the prefilter's reads exactly
        let gate = std::str::from_utf8(text).is_ok_and(|text| IBAN.is_match(text));
        let mut spans = if gate { self.presidio_spans(text) } else { Vec::new() };
        if mentions_iban(text) {
            let found = finditer(text.len(), |at| lower_match(text, at), |end| end);
            spans.extend(found.into_iter().filter(|&(at, end)| {
                let upper = text[at..end].to_ascii_uppercase();
                self.presidio_spans(&upper) == [(0, upper.len())]
            }));
        }
        spans
    }
}

/// `_mentions(text, ("iban",))`: the word in any case (no other letter lowers to these four).
fn mentions_iban(text: &[u8]) -> bool {
    text.windows(4).any(|w| w.eq_ignore_ascii_case(b"iban"))
}

/// `_LOWER_IBAN` at `at`: `(?<![\w-])[a-z]{2}\d{2}(?:[ ]?[a-z0-9]{4}){2,7}(?:[ ]?[a-z0-9]{1,3})?(?![\w-])`.
fn lower_match(text: &[u8], at: usize) -> Option<usize> {
    let word = |b: u8| word(b) || b == b'-';
    if !starts_here(text, at, word, u8::is_ascii_lowercase) {
        return None;
    }
    let fours = groups_of_four(text, at + 4, b" ", lower_alnum, 7);
    for k in (2..=fours.len()).rev() {
        for end in tail_ends(text, fours[k - 1], b" ", lower_alnum) {
            if !text.get(end).is_some_and(|&b| word(b)) {
                return Some(end);
            }
        }
    }
    None
}
