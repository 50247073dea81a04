//! The secret detectors of `detectors` on ASCII text: `detect_jwt`, `detect_api_key` and
//! `detect_pem`, so that the leak gate reads a text holding a token or a key without Python.
//! Their patterns' lookarounds are matched as characters inside the match Rust's engine looks
//! for: the start of the text or a character the lookbehind refuses before it, and for a
//! provider's key what may follow it (`(?![\w])`), the end or a character that is no word's. So
//! its leftmost-first match is the one Python's backtracking finds, and group 1 is the token or
//! the key. (Testing the lookbehind at a match's start and scanning again one character on
//! instead took quadratic time on a run of refused starts: `Aglpat-Aglpat-...`.)

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

/// `_JWT`, its lookbehind `(?<![A-Za-z0-9_-])` matched as a character.
static JWT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\A|[^A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*)")
        .expect("a valid pattern")
});

/// `_API_KEY`, its lookbehind `(?<![\w])` and its lookahead `(?![\w])` matched as characters
/// (`\w` as Python reads ASCII text).
static API_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?:\A|[^0-9A-Za-z_])",
        r"((?:sk|pk|rk)_(?:live|test)_[0-9A-Za-z]{10,}|gh[pousr]_[0-9A-Za-z]{30,}",
        r"|github_pat_[0-9A-Za-z_]{30,}|(?:AKIA|ASIA)[0-9A-Z]{16}|xox[abposr]-[0-9A-Za-z-]{10,}",
        r"|glpat-[0-9A-Za-z_-]{20,}|AIza[0-9A-Za-z_-]{35}|SG\.[0-9A-Za-z_-]{16,}\.[0-9A-Za-z_-]{16,}",
        r"|npm_[0-9A-Za-z]{36}|shp(?:at|ss|ca|pa)_[0-9a-fA-F]{32}|sq0atp-[0-9A-Za-z_-]{22})",
        r"(?:\z|[^0-9A-Za-z_])",
    ))
    .expect("a valid pattern")
});

/// Group 1 of each match of ``pattern``, the scan going on from the end of each group (the
/// characters matched around it are the next one's to read), as `re.finditer` goes on.
fn found(text: &str, pattern: &Regex) -> Vec<(usize, usize)> {
    let (mut spans, mut at) = (Vec::new(), 0);
    while let Some(captures) = pattern.captures_at(text, at) {
        let matched = captures.get(1).expect("the group takes part in every match");
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
    found(text, &JWT)
}

/// `detect_api_key`'s spans in ASCII ``text``.
pub fn api_key_spans(text: &str) -> Vec<(usize, usize)> {
    found(text, &API_KEY)
}

/// `detect_pem`'s spans in ASCII ``text``: the body of each `-----BEGIN <label>-----` block up
/// to the first `-----END <label>-----` after it (`_PEM`'s lazy `(.+?)`, which takes a character
/// at least), the label three to forty capitals, digits and spaces. Every end marker is found
/// once, up front, with its label: a run of BEGIN lines without an END would otherwise search
/// the rest of the text once per line.
pub fn pem_spans(text: &str) -> Vec<(usize, usize)> {
    const BEGIN: &str = "-----BEGIN ";
    const END: &str = "-----END ";
    const DASHES: &str = "-----";
    if !text.contains(BEGIN) || !text.contains(END) {
        return Vec::new();
    }
    let label_len = |at: usize| {
        text.as_bytes()[at..].iter().take_while(|&&b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ').count()
    };
    // where each label's end markers are, in order (a marker's label is the run before its dashes)
    let mut ends: HashMap<&str, Vec<usize>> = HashMap::new();
    for (at, _) in text.match_indices(END) {
        let label = &text[at + END.len()..at + END.len() + label_len(at + END.len())];
        if text[at + END.len() + label.len()..].starts_with(DASHES) {
            ends.entry(label).or_default().push(at);
        }
    }
    let (mut spans, mut at) = (Vec::new(), 0);
    while let Some(offset) = text[at..].find(BEGIN) {
        let start = at + offset;
        let label_start = start + BEGIN.len();
        let label = &text[label_start..label_start + label_len(label_start)];
        let body = label_start + label.len() + DASHES.len();
        let ends_here = (3..=40).contains(&label.len()) && text[label_start + label.len()..].starts_with(DASHES);
        let found = ends_here
            .then(|| ends.get(label))
            .flatten()
            .and_then(|places| places.get(places.partition_point(|&place| place < body + 1)).copied());
        match found {
            Some(body_end) => {
                spans.push((body, body_end));
                at = body_end + END.len() + label.len() + DASHES.len();
            }
            None => at = start + 1,
        }
    }
    spans
}
