//! How Python's `str` and `re` read ASCII text, for the detectors replicated in Rust; and where
//! Python's indices into a text fall in its bytes.

use pyo3::prelude::*;
use pyo3::types::PyString;

/// Python's whitespace in ASCII text: `\s`, `str.isspace` and what `str.split` splits on
/// (`\x1c`-`\x1f` included, which Rust's `\s` lacks).
pub fn space(byte: u8) -> bool {
    matches!(byte, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | 0x1C..=0x1F | b' ')
}

/// `space` as a class of Rust's regex syntax.
pub const SPACE_CLASS: &str = r"[\t\n\x0B\x0C\r\x1C-\x1F ]";

/// A pattern of Python's `re` in Rust's syntax, as both read ASCII text and as the callers ask
/// it (is there a match, where are its groups): `\s` and `\S` as Python's (`space`), `\Z` as
/// `\z`, and `$` outside a class as Python's end or final newline (the newline then in the
/// match). A class is read up to its first unescaped `]`: the patterns handed over hold no `]`
/// first in a class, nor `[` in one, nor a range next to `\s`.
pub fn rust_syntax(pattern: &str) -> String {
    const SPACES: &str = r"\t\n\x0B\x0C\r\x1C-\x1F ";
    let (mut out, mut in_class, mut chars) = (String::with_capacity(pattern.len()), false, pattern.chars());
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('s') if in_class => out.push_str(SPACES),
                Some('s') => out.push_str(SPACE_CLASS),
                Some('S') => out.push_str(&format!("[^{SPACES}]")), // in a class too: a class nested in it
                Some('Z') => out.push_str(r"\z"),
                Some(escaped) => {
                    out.push('\\');
                    out.push(escaped);
                }
                None => out.push('\\'),
            },
            '$' if !in_class => out.push_str(r"(?:\n?\z)"),
            '[' if !in_class => {
                in_class = true;
                out.push(c);
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Python's `\w` in ASCII text.
pub fn word(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// `str.split()` of ASCII ``text``: its whitespace-free runs, each with its start.
pub fn split(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let bytes = text.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        let start = at + bytes[at..].iter().take_while(|&&b| space(b)).count();
        at = start + bytes[start..].iter().take_while(|&&b| !space(b)).count();
        (at > start).then(|| (start, &text[start..at]))
    })
}

/// Where `match_at` matches in a text of `len` bytes, as `re.finditer` scans: at each position
/// in turn, and on from the end of a match (`end_of`, never the start: matches are not empty).
pub fn finditer<M: Copy>(
    len: usize, mut match_at: impl FnMut(usize) -> Option<M>, end_of: impl Fn(M) -> usize,
) -> Vec<(usize, M)> {
    let (mut found, mut at) = (Vec::new(), 0);
    while at < len {
        match match_at(at) {
            Some(m) => {
                found.push((at, m));
                at = end_of(m);
            }
            None => at += 1,
        }
    }
    found
}

/// A span a detector's Python function finds, its bounds in bytes: (start, end, entity, detector).
pub type PySpan<'py> = (usize, usize, Bound<'py, PyString>, Bound<'py, PyString>);

/// Python's indices into a text (characters) as byte offsets into its UTF-8.
pub struct Indices<'a> {
    text: &'a str,
    /// Where each character starts, then the text's end; empty for ASCII text.
    starts: Vec<usize>,
}

impl<'a> Indices<'a> {
    /// The indices of ``text``.
    pub fn new(text: &'a str) -> Self {
        let starts = if text.is_ascii() {
            Vec::new()
        } else {
            text.char_indices().map(|(at, _)| at).chain([text.len()]).collect()
        };
        Indices { text, starts }
    }

    /// The byte offset of index ``at``, None past the end.
    pub fn byte(&self, at: usize) -> Option<usize> {
        if self.starts.is_empty() {
            Some(at).filter(|&at| at <= self.text.len())
        } else {
            self.starts.get(at).copied()
        }
    }

    /// The spans (in bytes) of what ``detect``, a detector's Python function, finds in ``value``
    /// (whose text this is), with each span's entity and detector; None where a span is out of
    /// the text or ends before it starts.
    pub fn spans<'py>(
        &self, detect: &Bound<'py, PyAny>, value: &Bound<'py, PyString>,
    ) -> PyResult<Option<Vec<PySpan<'py>>>> {
        let mut found = Vec::new();
        for span in detect.call1((value,))?.try_iter()? {
            let (start, end, entity, detector): PySpan<'py> = span?.extract()?;
            match (self.byte(start), self.byte(end)) {
                (Some(start), Some(end)) if start <= end => found.push((start, end, entity, detector)),
                _ => return Ok(None),
            }
        }
        Ok(Some(found))
    }
}

#[cfg(test)]
mod tests {
    use super::rust_syntax;

    #[test]
    fn python_classes_in_rust_syntax() {
        assert_eq!(rust_syntax(r"[^\s=&]+\Z"), r"[^\t\n\x0B\x0C\r\x1C-\x1F =&]+\z");
        assert_eq!(rust_syntax(r"a\sb\\s"), r"a[\t\n\x0B\x0C\r\x1C-\x1F ]b\\s");
        assert_eq!(rust_syntax(r"\S+[\S,]"), r"[^\t\n\x0B\x0C\r\x1C-\x1F ]+[[^\t\n\x0B\x0C\r\x1C-\x1F ],]");
        let python = regex::Regex::new(&rust_syntax(r"\A[^\s=]+\Z")).unwrap();
        assert!(!python.is_match("a\x1db") && python.is_match("ab"));
        let end = regex::Regex::new(&rust_syntax(r"\.py$")).unwrap();
        assert!(end.is_match("a.py") && end.is_match("a.py\n") && !end.is_match("a.py\nb") && !end.is_match("a.pyc"));
    }
}
