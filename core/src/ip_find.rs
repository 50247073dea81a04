//! `detectors.detect_ip` on ASCII text whose candidate runs hold no colon (IPv4 only): presidio's
//! IPv4 pattern on each whitespace-free run the gate lets through, `ipaddress`'s validation, and
//! the detector's own exclusions (unspecified, a loopback address in a longer text, a version, a
//! product token's version). Text with a candidate run holding a colon is Python's to read.

use std::sync::LazyLock;

use regex::bytes::Regex;

use crate::ip::parse_v4;
use crate::pattern::Pattern;
use crate::prefilter::{may_hold_ip, Counts, IP};
use crate::python::{space, split, word, SPACE_CLASS};

fn pattern(source: &str) -> Regex {
    Regex::new(source).expect("a valid pattern")
}

/// `detectors._HOST_REST`, whole: what may surround a whole-value address (`[ ]:port`).
static HOST_REST: LazyLock<Regex> =
    LazyLock::new(|| pattern(&format!(r"\A{SPACE_CLASS}*\[?\]?(?::[0-9]{{1,5}})?{SPACE_CLASS}*\z")));
/// `detectors._VERSION_WORD` (`$` is also before a last newline).
static VERSION_WORD: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"(?i)\b(?:version|ver|release|build)[^A-Za-z0-9_]{0,3}\n?\z"));

/// `_PRODUCT_TOKEN.search(text, max(0, at - 64), at)`: a word of letters, digits, `_`, `.` or
/// `-` that starts with a letter after a space, `(`, `;`, `,` or the text's start, and ends
/// with `/` right at `at` (Chrome/120.0.0.0).
fn after_product_token(text: &[u8], at: usize) -> bool {
    if at < 2 || text[at - 1] != b'/' {
        return false;
    }
    let token = |b: &u8| word(*b) || matches!(b, b'.' | b'-');
    let floor = at.saturating_sub(64);
    (floor..at - 1).rev().take_while(|&a| a == at - 2 || token(&text[a + 1])).any(|a| {
        text[a].is_ascii_alphabetic() && (a == 0 || space(text[a - 1]) || matches!(text[a - 1], b'(' | b';' | b','))
    })
}

/// The spans `detect_ip` finds in ``text``, or None where it is not ASCII or a candidate run
/// holds a colon. ``ipv4`` is presidio's IPv4 pattern.
pub fn ipv4_spans(text: &str, ipv4: &Pattern) -> Option<Vec<(usize, usize)>> {
    if !text.is_ascii() {
        return None;
    }
    let bytes = text.as_bytes();
    if !may_hold_ip(text, &Counts::of(text)) {
        return Some(Vec::new());
    }
    let mut spans = Vec::new();
    for (start, run) in split(text) {
        if !IP.is_match(run) {
            continue;
        }
        if run.contains(':') {
            return None; // presidio's IPv6 patterns would run on it
        }
        for (m_start, m_end) in ipv4.spans(run) {
            let (s, e) = (start + m_start, start + m_end);
            let address = text[s..e].split('/').next().unwrap_or_default();
            let Some(ip) = parse_v4(address) else {
                continue; // presidio's invalidate_result: ipaddress refuses it (a leading zero)
            };
            let loopback = ip >> 24 == 127;
            if ip == 0 || (loopback && !HOST_REST.is_match(&[&bytes[..s], &bytes[e..]].concat())) {
                continue;
            }
            let version = s > 0 && matches!(bytes[s - 1], b'v' | b'V');
            if version || VERSION_WORD.is_match(&bytes[s.saturating_sub(12)..s]) || after_product_token(bytes, s) {
                continue;
            }
            spans.push((s, e));
        }
    }
    Some(spans)
}
