//! `detectors.detect_user_id`'s `_USER_ID` on ASCII text, as Python's backtracking engine runs
//! it: at each position the provider-style id first (`cus_...`), then an id after a word naming
//! a user; each optional part tried present, then absent, and each repeat longest first, until
//! the first way through the pattern. Its lookaheads are tests at a position, as in Python.

use crate::python::{finditer, space, word};

/// The first branch's prefixes and the second's words, in the pattern's order.
const PREFIXES: [&[u8]; 5] = [b"cus", b"usr", b"user", b"acct", b"cust"];
const WORDS: [&[u8]; 4] = [b"user", b"customer", b"member", b"account"];
/// The longest repeats of the id's classes (`{0,64}`, `{3,64}`) and of a provider's (`{8,32}`).
const LONGEST: usize = 64;
const PROVIDER: std::ops::RangeInclusive<usize> = 8..=32;

/// `\b` at ``at``.
fn boundary(bytes: &[u8], at: usize) -> bool {
    (at > 0 && word(bytes[at - 1])) != bytes.get(at).is_some_and(|&b| word(b))
}

/// How many bytes from ``at`` on are of the class ``of``, up to ``most`` (what a repeat can
/// take: counting a run to its end at each place it is asked about would take quadratic time).
fn run(bytes: &[u8], at: usize, most: usize, of: impl Fn(u8) -> bool) -> usize {
    bytes.get(at..).map_or(0, |rest| rest.iter().take(most).take_while(|&&b| of(b)).count())
}

/// `[A-Za-z0-9_-]`, the id's class.
fn id_char(b: u8) -> bool {
    word(b) || b == b'-'
}

/// Where an optional ``one`` character at ``at`` leaves the match: after it first, if there.
fn optional(bytes: &[u8], at: usize, one: impl Fn(u8) -> bool) -> impl Iterator<Item = usize> {
    let present = bytes.get(at).is_some_and(|&b| one(b));
    present.then_some(at + 1).into_iter().chain(std::iter::once(at))
}

/// `\b(?:cus|usr|user|acct|cust)_(?=[a-z]*[A-Z0-9])[A-Za-z0-9]{8,32}\b` at ``start``: its end.
fn provider_id(bytes: &[u8], start: usize) -> Option<usize> {
    if !boundary(bytes, start) {
        return None;
    }
    PREFIXES.iter().find_map(|prefix| {
        let id = start + prefix.len() + 1;
        if !bytes[start..].starts_with(prefix) || bytes.get(id - 1) != Some(&b'_') {
            return None;
        }
        let first_other = bytes[id..].iter().find(|b| !b.is_ascii_lowercase());
        if !first_other.is_some_and(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
            return None; // the lookahead
        }
        let longest = run(bytes, id, *PROVIDER.end(), |b| b.is_ascii_alphanumeric());
        (*PROVIDER.start()..=longest).rev().map(|n| id + n).find(|&end| boundary(bytes, end))
    })
}

/// `(?=-?(?:[A-Za-z]{1,3}-)?[A-Za-z0-9_]{0,64}\d)` at ``at``.
fn id_ahead(bytes: &[u8], at: usize) -> bool {
    let dashed = |at: usize| bytes.get(at) == Some(&b'-');
    let starts = optional(bytes, at, |b| b == b'-').flat_map(|at| {
        let letters = run(bytes, at, 3, |b| b.is_ascii_alphabetic());
        (1..=letters).filter(move |&n| dashed(at + n)).map(move |n| at + n + 1).chain(std::iter::once(at))
    });
    starts.into_iter().any(|at| {
        let within = run(bytes, at, LONGEST + 1, word);
        bytes[at..at + within].iter().any(u8::is_ascii_digit)
    })
}

/// The id `(?P<cued>...)` at ``at``: `[A-Za-z0-9_-]{0,64}\d[A-Za-z0-9_-]{3,64}`, longest first,
/// after its lookahead; its end.
fn cued_id(bytes: &[u8], at: usize) -> Option<usize> {
    if !id_ahead(bytes, at) {
        return None;
    }
    let longest = run(bytes, at, LONGEST, id_char);
    (0..=longest).rev().map(|n| at + n).find_map(|digit| {
        let after = run(bytes, digit + 1, LONGEST, id_char);
        (bytes.get(digit).is_some_and(u8::is_ascii_digit) && after >= 3).then(|| digit + 1 + after)
    })
}

/// `(?i:\b(?:user|customer|member|account)(?:[ _]?id)?\b\s?[#:=]?\s?['"]?)(?P<cued>...)` at
/// ``start``: the id's start and end.
fn cued(bytes: &[u8], start: usize) -> Option<(usize, usize)> {
    if !boundary(bytes, start) {
        return None;
    }
    let has = |at: usize, text: &[u8]| bytes.get(at..at + text.len()).is_some_and(|b| b.eq_ignore_ascii_case(text));
    let named = WORDS.iter().find(|name| has(start, name))?;
    let after = start + named.len();
    let separated = bytes.get(after).is_some_and(|&b| b == b' ' || b == b'_') && has(after + 1, b"id");
    let ids = separated.then_some(after + 3).into_iter().chain(has(after, b"id").then_some(after + 2));
    for at in ids.chain(std::iter::once(after)).filter(|&at| boundary(bytes, at)) {
        for at in optional(bytes, at, space) {
            for at in optional(bytes, at, |b| b"#:=".contains(&b)) {
                for at in optional(bytes, at, space) {
                    for at in optional(bytes, at, |b| b == b'\'' || b == b'"') {
                        if let Some(end) = cued_id(bytes, at) {
                            return Some((at, end));
                        }
                    }
                }
            }
        }
    }
    None
}

/// The spans `detect_user_id` finds in ASCII ``text``: a provider's whole id, or the id after a
/// word naming a user; the scan going on from the end of each match, as `re.finditer` does.
pub fn user_id_spans(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let found = finditer(
        bytes.len(),
        |at| provider_id(bytes, at).map(|end| (at, end)).or_else(|| cued(bytes, at)),
        |(_, end)| end,
    );
    found.into_iter().map(|(_, span)| span).collect()
}
