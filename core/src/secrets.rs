//! The secret detectors of `detectors` on ASCII text: `detect_jwt`, `detect_api_key` and
//! `detect_pem`, so that the leak gate reads a text holding a token or a key without Python.
//! Their patterns' lookbehinds are tested at a match's start (a failed one moves the scan on a
//! character, as Python's does), and what may follow a provider's key (`(?![\w])`) is matched
//! after it, inside the match Rust's engine looks for, so its leftmost-first match is the one
//! Python's backtracking finds; group 1 is the key.

use std::sync::LazyLock;

use regex::Regex;

use crate::python::word;

/// `_JWT` without its lookbehind, `(?<![A-Za-z0-9_-])`.
static JWT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*").expect("a valid pattern")
});

/// `_API_KEY` without its lookbehind, `(?<![\w])`, and with what may follow a key matched after
/// it; `\w` as Python reads ASCII text.
static API_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"((?:sk|pk|rk)_(?:live|test)_[0-9A-Za-z]{10,}|gh[pousr]_[0-9A-Za-z]{30,}",
        r"|github_pat_[0-9A-Za-z_]{30,}|(?:AKIA|ASIA)[0-9A-Z]{16}|xox[abposr]-[0-9A-Za-z-]{10,}",
        r"|glpat-[0-9A-Za-z_-]{20,}|AIza[0-9A-Za-z_-]{35}|SG\.[0-9A-Za-z_-]{16,}\.[0-9A-Za-z_-]{16,}",
        r"|npm_[0-9A-Za-z]{36}|shp(?:at|ss|ca|pa)_[0-9a-fA-F]{32}|sq0atp-[0-9A-Za-z_-]{22})",
        r"(?:\z|[^0-9A-Za-z_])",
    ))
    .expect("a valid pattern")
});

/// Each match of ``pattern`` (its group ``group``) whose start no byte ``before`` precedes, the
/// scan going on from the end of each, as `re.finditer` with a lookbehind at the start does.
fn found(text: &str, pattern: &Regex, group: usize, before: impl Fn(u8) -> bool) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let (mut spans, mut at) = (Vec::new(), 0);
    while let Some(captures) = pattern.captures_at(text, at) {
        let matched = captures.get(group).expect("the group takes part in every match");
        if matched.start() > 0 && before(bytes[matched.start() - 1]) {
            at = matched.start() + 1;
            continue;
        }
        spans.push((matched.start(), matched.end()));
        at = matched.end();
    }
    spans
}

/// `detect_jwt`'s spans in ASCII ``text``.
pub fn jwt_spans(text: &str) -> Vec<(usize, usize)> {
    if !text.contains("eyJ") {
        return Vec::new();
    }
    found(text, &JWT, 0, |b| word(b) || b == b'-')
}

/// `detect_api_key`'s spans in ASCII ``text``.
pub fn api_key_spans(text: &str) -> Vec<(usize, usize)> {
    found(text, &API_KEY, 1, word)
}

/// `detect_pem`'s spans in ASCII ``text``: the body of each `-----BEGIN <label>-----` block up
/// to the first `-----END <label>-----` after it (`_PEM`'s lazy `(.+?)`, which takes a character
/// at least), the label three to forty capitals, digits and spaces.
pub fn pem_spans(text: &str) -> Vec<(usize, usize)> {
    const BEGIN: &str = "-----BEGIN ";
    const DASHES: &str = "-----";
    if !text.contains(BEGIN) || !text.contains("-----END ") {
        return Vec::new();
    }
    let (mut spans, mut at) = (Vec::new(), 0);
    while let Some(offset) = text[at..].find(BEGIN) {
        let start = at + offset;
        let label_start = start + BEGIN.len();
        let label_len = text.as_bytes()[label_start..]
            .iter()
            .take_while(|&&b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ')
            .count();
        let body = label_start + label_len + DASHES.len();
        let end_marker = format!("-----END {}-----", &text[label_start..label_start + label_len]);
        let ends = (3..=40).contains(&label_len) && text[label_start + label_len..].starts_with(DASHES);
        match ends.then(|| text.get(body + 1..).and_then(|rest| rest.find(&end_marker))).flatten() {
            Some(offset) => {
                let body_end = body + 1 + offset;
                spans.push((body, body_end));
                at = body_end + end_marker.len();
            }
            None => at = start + 1,
        }
    }
    spans
}
