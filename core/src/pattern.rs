//! A presidio recognizer's pattern run by Rust's regex engine: its leftmost-first matches are the
//! spans a backtracking engine finds, without the backtracking (presidio's e-mail pattern costs
//! about 20 us per address in Python's ``regex``). Patterns that need lookaround or
//! backreferences do not compile here and stay with ``regex``.

use regex::Regex;

pub struct Pattern {
    regex: Regex,
}

impl Pattern {
    /// ``pattern`` under the flags presidio compiles it with (IGNORECASE, MULTILINE, DOTALL).
    pub fn new(pattern: &str, ignore_case: bool, multi_line: bool, dot_all: bool) -> Result<Pattern, regex::Error> {
        let flags: String = [(ignore_case, 'i'), (multi_line, 'm'), (dot_all, 's')]
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, f)| *f)
            .collect();
        let prefixed = if flags.is_empty() { pattern.to_owned() } else { format!("(?{flags}){pattern}") };
        Ok(Pattern { regex: Regex::new(&prefixed)? })
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.regex.is_match(text)
    }

    /// Every byte offset at which a match starts, in order: where a backtracking engine trying
    /// the pattern at each position can succeed.
    pub fn starts(&self, text: &str) -> Vec<usize> {
        let mut out = Vec::new();
        let mut from = 0;
        while let Some(found) = (from <= text.len()).then(|| self.regex.find_at(text, from)).flatten() {
            out.push(found.start());
            from = found.start() + text[found.start()..].chars().next().map_or(1, char::len_utf8);
            // the next character
        }
        out
    }

    /// Non-empty matches as (start, end) in characters, as Python indexes strings.
    pub fn spans(&self, text: &str) -> Vec<(usize, usize)> {
        let found = self.regex.find_iter(text).filter(|m| m.start() < m.end()).map(|m| (m.start(), m.end()));
        char_spans(text, found)
    }
}

/// Spans of ``text`` in bytes as Python indexes the string: in characters. Counted on from the
/// last offset, or from the start for one before it (the person detector's uncased names come
/// after the others).
pub(crate) fn char_spans(text: &str, spans: impl IntoIterator<Item = (usize, usize)>) -> Vec<(usize, usize)> {
    if text.is_ascii() {
        return spans.into_iter().collect();
    }
    let (mut byte, mut chars) = (0usize, 0usize);
    let mut to_chars = |offset: usize| {
        if offset < byte {
            (byte, chars) = (0, 0);
        }
        chars += text[byte..offset].chars().count();
        byte = offset;
        chars
    };
    spans.into_iter().map(|(start, end)| (to_chars(start), to_chars(end))).collect()
}
