//! `encodings.split_url` and `encodings.parse_query` of ASCII text, as `Sanitizer._nested`
//! and `_url` read a URL (`walk::Walker::judge_url`). The patterns that need no lookaround are
//! Python's own, handed over by the sanitizer (`Walker.read_openings`); `_URL_PARTS`, whose
//! lookahead Rust's engine lacks, is read by hand.

use regex::Regex;

use crate::python::{rust_syntax, space};

/// The URL patterns of `encodings` and `engine`, as Rust's engine runs them on ASCII text.
pub struct UrlPatterns {
    /// `URL_START.match`.
    start: Regex,
    /// `_FILE_PATH.search`.
    file_path: Regex,
    /// `_ROUTE_WORD.fullmatch`, `_ROUTE_PARAM.fullmatch` and `_NUMBER.match`.
    route_word: Regex,
    route_param: Regex,
    number: Regex,
    /// `_QUERY.fullmatch` and `_COMMA_LIST.fullmatch`.
    query: Regex,
    comma_list: Regex,
}

/// A URL's parts as `split_url` gives them: the prefix up to the path (empty where there is
/// none), the path, the query (None where there is no `?`) and the fragment with its `#`.
pub struct UrlParts<'a> {
    pub prefix: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub fragment: &'a str,
}

impl UrlPatterns {
    /// Python's patterns, each compiled as its method reads it (`match` at the start,
    /// `fullmatch` to the end, `search` anywhere), in Rust's syntax (`python::rust_syntax`).
    pub fn new(patterns: [&str; 7]) -> Result<Self, regex::Error> {
        let [start, file_path, route_word, route_param, number, query, comma_list] = patterns.map(rust_syntax);
        let at_start = |pattern: &str| Regex::new(&format!(r"\A(?:{pattern})"));
        let whole = |pattern: &str| Regex::new(&format!(r"\A(?:{pattern})\z"));
        Ok(UrlPatterns {
            start: at_start(&start)?,
            file_path: Regex::new(&file_path)?,
            route_word: whole(&route_word)?,
            route_param: whole(&route_param)?,
            number: at_start(&number)?,
            query: whole(&query)?,
            comma_list: whole(&comma_list)?,
        })
    }

    /// `_nested`'s test and `split_url` of an ASCII ``text``: its parts where it is read as a URL.
    pub fn split<'a>(&self, text: &'a str) -> Option<UrlParts<'a>> {
        if !(text.starts_with('/') || text.contains("//")) || !self.start.is_match(text) {
            return None;
        }
        if text.bytes().any(space) {
            return None;
        }
        let prefix = &text[..authority(text.as_bytes())];
        let rest = &text[prefix.len()..];
        let path_end = rest.find(['?', '#']).unwrap_or(rest.len());
        let (path, after) = rest.split_at(path_end);
        let (query, fragment) = match after.strip_prefix('?') {
            Some(tail) => {
                let end = tail.find('#').unwrap_or(tail.len());
                (Some(&tail[..end]), &tail[end..])
            }
            None => (None, after),
        };
        let route = text.starts_with('/') && !self.file_path.is_match(text); // no file of code, no root
        if prefix.is_empty() && query.is_none() && !route {
            return None;
        }
        Some(UrlParts { prefix, path, query, fragment })
    }

    /// `_ROUTE_PARAM.fullmatch`: a route template's slot (`{user_id}`, `:id`).
    pub fn is_route_param(&self, segment: &str) -> bool {
        self.route_param.is_match(segment)
    }

    /// `_ROUTE_WORD.fullmatch`: a plain lower-case word of a route (`reset`, `v2`).
    pub fn is_route_word(&self, segment: &str) -> bool {
        self.route_word.is_match(segment)
    }

    /// `_NUMBER.match`: a segment that is data (a number, or one holding a long number).
    pub fn is_number(&self, segment: &str) -> bool {
        self.number.is_match(segment)
    }

    /// `parse_query`'s separator for ``query`` (no longer than `_MAX_NESTED`), None where it
    /// reads no query there.
    pub fn query_separator(&self, query: &str) -> Option<char> {
        if !query.contains('=') {
            return None;
        }
        if !query.contains('&') && query.contains(',') && self.comma_list.is_match(query) {
            return Some(',');
        }
        self.query.is_match(query).then_some('&')
    }
}

/// The end of `_URL_PARTS`'s first group in ``text`` (no whitespace in it): a DSN's
/// `scheme://user:password@host` (not http or https, whose `@` would be a mailbox), else
/// `scheme://host` or `//host`, else nothing (0). Each repeat there stops at a character its
/// class lacks, where the next one must follow, so Python's backtracking takes these ends.
fn authority(text: &[u8]) -> usize {
    let run = |from: usize, stop: &[u8]| from + text[from..].iter().take_while(|b| !stop.contains(b)).count();
    let scheme = text
        .first()
        .is_some_and(u8::is_ascii_alphabetic)
        .then(|| 1 + text[1..].iter().take_while(|&&b| b.is_ascii_alphanumeric() || b"+.-".contains(&b)).count());
    let http = |prefix: &[u8]| text.len() >= prefix.len() && text[..prefix.len()].eq_ignore_ascii_case(prefix);
    if let Some(end) = scheme {
        if !http(b"http:") && !http(b"https:") && text[end..].starts_with(b"://") {
            let user = run(end + 3, b"/@:");
            if text.get(user) == Some(&b':') {
                let password = run(user + 1, b"/@");
                if text.get(password) == Some(&b'@') {
                    return run(password + 1, b"/?#");
                }
            }
        }
        if text[end..].starts_with(b"://") {
            return run(end + 3, b"/?#");
        }
    }
    if text.starts_with(b"//") {
        return run(2, b"/?#");
    }
    0
}

#[cfg(test)]
mod tests {
    use super::authority;

    #[test]
    fn authorities() {
        assert_eq!(authority(b"postgres://u:p@db:5432/shop"), "postgres://u:p@db:5432".len());
        assert_eq!(authority(b"https://u:p@db/x"), "https://u:p@db".len());
        assert_eq!(authority(b"https://shop.example.com/a?b"), "https://shop.example.com".len());
        assert_eq!(authority(b"//cdn.example.com/x"), "//cdn.example.com".len());
        assert_eq!(authority(b"/a/b"), 0);
        assert_eq!(authority(b"mailto:x"), 0);
    }
}
