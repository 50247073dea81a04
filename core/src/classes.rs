//! `charclass`: the fake of a value with no structure of its own. Same length; each letter and
//! digit, ASCII or not, redrawn within its class and script; a UUID or hex token stays one.

use crate::letter_pools::{ASSIGNED, LOOKUP, POOLS, RANGES};
use crate::mt::Mt;

const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS: &[u8] = b"0123456789";
const LATIN_LOWER: &str = "àáâäãåæçèéêëìíîïñòóôöõøùúûüýÿßłśźżčřšžő";
const LATIN_UPPER: &str = "ÀÁÂÄÃÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÖÕØÙÚÛÜÝŁŚŹŻČŘŠŽŐ";

pub fn charclass(value: &str, rng: &mut Mt) -> String {
    let bytes = value.as_bytes();
    if is_uuid(bytes) {
        // the version digit kept, the variant digit kept within its class
        let mut out = hexlike(value, rng, Some(14)).into_bytes();
        let variant = bytes[19];
        out[19] = if b"89abAB".contains(&variant) {
            let pool: &[u8] = if variant.is_ascii_uppercase() { b"89AB" } else { b"89ab" };
            pool[rng.below(4) as usize]
        } else {
            variant
        };
        return String::from_utf8(out).expect("ASCII");
    }
    if bytes.len() >= 8
        && is_hex_token(bytes)
        && bytes.iter().any(u8::is_ascii_digit)
        && !bytes.iter().all(|b| b.is_ascii_digit() || *b == b':' || *b == b'-')
    {
        return hexlike(value, rng, None); // a hex token stays hex; a number stays digits
    }
    let mut out = String::with_capacity(value.len());
    redraw_chars(value, rng, &mut out);
    out
}

/// Each letter and decimal digit redrawn in its class and script; the rest kept. Also what
/// `charclass` does to text with a lone surrogate (no UUID, no hex token), a part between
/// surrogates at a time.
pub fn redraw_chars(value: &str, rng: &mut Mt, out: &mut String) {
    for ch in value.chars() {
        let class: Option<&[u8]> = match ch {
            'a'..='z' => Some(LOWER),
            'A'..='Z' => Some(UPPER),
            '0'..='9' => Some(DIGITS),
            _ => None,
        };
        match class {
            Some(pool) => out.push(char::from(pool[(rng.random() * pool.len() as f64) as usize])),
            None if !ch.is_ascii() => out.push(beyond_ascii(ch, rng)),
            None => out.push(ch),
        }
    }
}

/// A letter of a hand-picked pool's script drawn from that pool (the fakes of every version so
/// far); any other letter or decimal digit from the generated pool of its script and class.
fn beyond_ascii(ch: char, rng: &mut Mt) -> char {
    let hand_picked = if is_alpha(ch) { same_script_letter(ch, rng) } else { None };
    hand_picked.or_else(|| generated_pool(ch, rng)).unwrap_or(ch)
}

/// A character of `ch`'s pool in `letter_pools`, if it is in one (or is a letter or digit of a
/// later Unicode than the table's).
fn generated_pool(ch: char, rng: &mut Mt) -> Option<char> {
    let point = u32::from(ch);
    let at = LOOKUP.partition_point(|&(_, last, _)| last < point);
    let pool = match LOOKUP.get(at) {
        Some(&(first, _, pool)) if first <= point => pool,
        _ => later_pool(ch, at)?,
    };
    let (start, runs, size) = POOLS[usize::from(pool)];
    let mut nth = rng.below(u128::from(size)) as u32;
    for &(first, last) in &RANGES[usize::from(start)..][..usize::from(runs)] {
        if nth <= last - first {
            return char::from_u32(first + nth);
        }
        nth -= last - first + 1;
    }
    unreachable!("a pool's size is the sum of its runs")
}

/// The pool of a letter or digit the table's Python did not know (Python 3.12 knows 4,368 more,
/// CJK Extension H among them): that of the last run before it (in its block, mostly) whose
/// first character Rust classes alike. None for a character the table's Python knows as no
/// letter or digit (a vowel sign, which Rust calls alphabetic).
fn later_pool(ch: char, at: usize) -> Option<u16> {
    let point = u32::from(ch);
    let known =
        ASSIGNED.get(ASSIGNED.partition_point(|&(_, last)| last < point)).is_some_and(|&(first, _)| first <= point);
    if known || !(ch.is_alphabetic() || ch.is_numeric()) {
        return None;
    }
    let class = |c: char| (c.is_uppercase(), c.is_lowercase(), c.is_numeric());
    LOOKUP[..at]
        .iter()
        .rev()
        .find(|(first, ..)| char::from_u32(*first).map(class) == Some(class(ch)))
        .map(|&(.., pool)| pool)
}

/// Python's `str.isalpha` for one character: a letter (categories L*). Rust's `is_alphabetic`
/// also takes letter numbers and combining vowel signs, none of which lie in the scripts that
/// `same_script_letter` redraws (checked against Python over those ranges by the tests); the
/// generated pools hold only what Python calls a letter.
fn is_alpha(ch: char) -> bool {
    ch.is_alphabetic()
}

fn hexlike(value: &str, rng: &mut Mt, keep: Option<usize>) -> String {
    let digits: &[u8] =
        if value.bytes().any(|b| (b'A'..=b'F').contains(&b)) { b"0123456789ABCDEF" } else { b"0123456789abcdef" };
    value
        .chars()
        .enumerate()
        .map(|(i, ch)| {
            if Some(i) == keep || !ch.is_alphanumeric() {
                ch
            } else {
                char::from(digits[(rng.random() * 16.0) as usize])
            }
        })
        .collect()
}

fn is_uuid(b: &[u8]) -> bool {
    b.len() == 36
        && b.iter()
            .enumerate()
            .all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { *c == b'-' } else { c.is_ascii_hexdigit() })
}

/// `[0-9a-fA-F]+(?:[-:][0-9a-fA-F]+)*`: hex runs joined by single dashes or colons.
fn is_hex_token(b: &[u8]) -> bool {
    let mut after_separator = true;
    for c in b {
        if c.is_ascii_hexdigit() {
            after_separator = false;
        } else if (*c == b'-' || *c == b':') && !after_separator {
            after_separator = true;
        } else {
            return false;
        }
    }
    !after_separator
}

fn pick(pool: &str, rng: &mut Mt) -> char {
    let n = pool.chars().count() as u128;
    pool.chars().nth(rng.below(n) as usize).expect("in range")
}

fn in_range(rng: &mut Mt, lo: u32, hi: u32) -> char {
    char::from_u32(rng.randint(i64::from(lo), i64::from(hi)) as u32).expect("a letter's code point")
}

fn same_script_letter(ch: char, rng: &mut Mt) -> Option<char> {
    let o = u32::from(ch);
    let upper = ch.is_uppercase();
    Some(match o {
        0..=0x24F => pick(if upper { LATIN_UPPER } else { LATIN_LOWER }, rng),
        0x400..=0x52F => {
            if upper {
                in_range(rng, 0x410, 0x42F)
            } else {
                in_range(rng, 0x430, 0x44F)
            }
        }
        0x370..=0x3FF => {
            let letter = if upper { in_range(rng, 0x391, 0x3A9) } else { in_range(rng, 0x3B1, 0x3C9) };
            if letter == '\u{3A2}' {
                'Σ'
            } else {
                letter
            } // U+03A2 is unassigned
        }
        0x3040..=0x309F => in_range(rng, 0x3041, 0x3093),
        0x30A0..=0x30FF => in_range(rng, 0x30A1, 0x30F3),
        0x4E00..=0x9FFF => in_range(rng, 0x4E00, 0x9FA5),
        0xAC00..=0xD7AF => in_range(rng, 0xAC00, 0xD7A3),
        0x5D0..=0x5EA => in_range(rng, 0x5D0, 0x5EA),
        0x620..=0x64A => in_range(rng, 0x620, 0x64A),
        _ => return None,
    })
}
