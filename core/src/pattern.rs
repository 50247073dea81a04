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

    /// Non-empty matches as (start, end) in characters, as Python indexes strings.
    pub fn spans(&self, text: &str) -> Vec<(usize, usize)> {
        let ascii = text.is_ascii();
        let (mut byte, mut chars) = (0usize, 0usize);
        let mut to_chars = |offset: usize| {
            chars += text[byte..offset].chars().count();
            byte = offset;
            chars
        };
        let mut out = Vec::new();
        for m in self.regex.find_iter(text) {
            if m.start() == m.end() {
                continue;
            }
            out.push(if ascii { (m.start(), m.end()) } else { (to_chars(m.start()), to_chars(m.end())) });
        }
        out
    }
}
