//! `detectors.detect_card` on ASCII text: `_CARD`, `(?<![\w.-])(?:\d[ -]?){11,18}\d(?![\w-]|\.\d)`,
//! as the backtracking engine matches it, then the detector's tests (one kind of separator, the
//! Luhn check, a brand's prefix and length). Beyond ASCII, where no digit is (`card_spans_beyond`).
//!
//! A separator is taken when a digit follows it (without it the next digit would have to be the
//! separator), so from a start the digits form one chain; what remains to choose is how many of
//! its digits the match takes: 19 at most, 12 at least, the most whose end the lookahead allows.

use crate::python::{finditer, word};

/// The positions of the chain of digits starting at `at`, each after at most one separator.
fn chain(text: &[u8], at: usize) -> Vec<usize> {
    let mut digits = vec![at];
    let mut last = at;
    while digits.len() < 19 {
        let next = match text.get(last + 1) {
            Some(b) if b.is_ascii_digit() => last + 1,
            Some(b' ' | b'-') if text.get(last + 2).is_some_and(u8::is_ascii_digit) => last + 2,
            _ => break,
        };
        digits.push(next);
        last = next;
    }
    digits
}

/// `(?![\w-]|\.\d)` at `at`.
fn free_after(text: &[u8], at: usize) -> bool {
    match text.get(at) {
        Some(&b) if word(b) || b == b'-' => false,
        Some(b'.') => !text.get(at + 1).is_some_and(u8::is_ascii_digit),
        _ => true,
    }
}

/// `_CARD`'s match at `at`, if any: its end.
fn card_match(text: &[u8], at: usize) -> Option<usize> {
    if !text[at].is_ascii_digit() || (at > 0 && (word(text[at - 1]) || matches!(text[at - 1], b'.' | b'-'))) {
        return None;
    }
    let digits = chain(text, at);
    (12..=digits.len()).rev().map(|n| digits[n - 1] + 1).find(|&end| free_after(text, end))
}

pub(crate) fn luhn_valid(digits: &[u8]) -> bool {
    let total: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                if d > 4 {
                    d * 2 - 9
                } else {
                    d * 2
                }
            } else {
                d
            }
        })
        .sum();
    total.is_multiple_of(10)
}

/// `detectors.card_brand_ok`.
pub(crate) fn brand_ok(digits: &[u8]) -> bool {
    let n = digits.len();
    let number = |len: usize| digits[..len].iter().fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0'));
    let starts = |prefixes: &[&[u8]]| prefixes.iter().any(|p| digits.starts_with(p));
    if digits[0] == b'4' {
        return matches!(n, 13 | 16 | 19);
    }
    let (two, four) = (number(2), number(4));
    if (51..=55).contains(&two) || (2221..=2720).contains(&four) {
        return n == 16;
    }
    if matches!(two, 34 | 37) {
        return n == 15;
    }
    if starts(&[b"6011", b"65", b"644", b"645", b"646", b"647", b"648", b"649", b"62"]) || (3528..=3589).contains(&four)
    {
        return (16..=19).contains(&n);
    }
    if matches!(two, 36 | 38 | 30 | 39) {
        return (14..=19).contains(&n);
    }
    starts(&[b"50", b"56", b"57", b"58", b"6304", b"67"]) && (12..=19).contains(&n)
}

/// The spans `detect_card` finds in ASCII ``text``.
pub fn card_spans(text: &[u8]) -> Vec<(usize, usize)> {
    tested(text, finditer(text.len(), |at| card_match(text, at), |end| end))
}

/// The spans (in bytes) `detect_card` finds in text beyond ASCII that holds no digit beyond it;
/// None for other text, and where a match is next to a character beyond ASCII. Read as ASCII,
/// such a character is no word character, no digit and no separator: a match may only start or
/// end where Python's would not (that character being `\w` to Python), and never has it inside.
/// A match with none next to it is Python's match, and so is every one before it.
pub fn card_spans_beyond(text: &str) -> Option<Vec<(usize, usize)>> {
    if text.chars().any(|c| !c.is_ascii() && c.is_numeric()) {
        return None; // (a superset of Python's \d beyond ASCII)
    }
    let bytes = text.as_bytes();
    let found = finditer(bytes.len(), |at| card_match(bytes, at), |end| end);
    let beyond = |at: usize| bytes.get(at).is_some_and(|b| !b.is_ascii());
    if found.iter().any(|&(start, end)| (start > 0 && beyond(start - 1)) || beyond(end)) {
        return None;
    }
    Some(tested(bytes, found))
}

/// Of `_CARD`'s matches, those the detector keeps: one kind of separator, the Luhn check, a brand.
fn tested(text: &[u8], found: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    found
        .into_iter()
        .filter(|&(at, end)| {
            let raw = &text[at..end];
            let mut separators = raw.iter().filter(|b| !b.is_ascii_digit());
            let first = separators.next();
            let one_kind = separators.all(|b| Some(b) == first);
            let digits: Vec<u8> = raw.iter().copied().filter(u8::is_ascii_digit).collect();
            one_kind && luhn_valid(&digits) && brand_ok(&digits)
        })
        .collect()
}
