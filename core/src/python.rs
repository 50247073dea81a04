//! How Python's `str` and `re` read ASCII text, for the detectors replicated in Rust.

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
