//! `detect_email` (see `sanitizers/detectors.py`) for ASCII text without a URL-encoded `@`: every
//! whitespace-free run holding an `@`, presidio's e-mail pattern in it, the domain validated by the
//! caller's function, the span trimmed to the mailbox and dropped where it is a URL's userinfo.

use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::python::{finditer, space, split};
use crate::Pattern;

/// How far before a mailbox a URL's scheme is looked for (as `detect_email` does).
const SCHEME_REACH: usize = 512;

/// `[\w.+-]` in ASCII: what a mailbox's local part keeps (`_LOCAL_PART_STOP` is its complement).
fn is_local(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'+' | b'-')
}

/// (start, end) of each e-mail address in ``text`` as `detect_email` finds it (URL-encoded ones
/// first, as `_encoded_emails` finds them), or None where the text is not ASCII (`detect_email`
/// itself reads those). ``pattern`` is presidio's e-mail pattern; ``valid_domain`` says whether a
/// lower-cased domain is one.
#[pyfunction]
pub fn email_spans(
    text: &Bound<'_, PyString>, pattern: PyRef<'_, Pattern>, valid_domain: &Bound<'_, PyAny>,
) -> PyResult<Option<Vec<(usize, usize)>>> {
    let Ok(text) = text.to_str() else { return Ok(None) };
    if !text.is_ascii() {
        return Ok(None);
    }
    let is_address = |address: &str| -> PyResult<bool> {
        let domain = address.rsplit_once('@').map_or(address, |(_, domain)| domain).to_ascii_lowercase();
        valid_domain.call1((domain,))?.is_truthy()
    };
    let mut found = Vec::new();
    if text.contains("%40") {
        for (start, end) in encoded_mailboxes(text.as_bytes()) {
            let decoded = text[start..end].replace("%2B", "+").replace("%2b", "+").replace("%40", "@");
            if pattern.inner.spans(&decoded) == [(0, decoded.len())] && is_address(&decoded)? {
                found.push((start, end));
            }
        }
    }
    let bytes = text.as_bytes();
    for (start, token) in split(text) {
        if !token.contains('@') {
            continue;
        }
        for (match_start, match_end) in pattern.inner.spans(token) {
            if !is_address(&token[match_start..match_end])? {
                continue;
            }
            let (span_start, span_end) = (start + match_start, start + match_end);
            let Some(at_sign) = text[span_start..].find('@').map(|i| span_start + i) else { continue };
            let cut = bytes[span_start..at_sign].iter().rposition(|&b| !is_local(b)).map_or(0, |i| i + 1);
            let mailbox = span_start + cut;
            if mailbox < at_sign && !ends_userinfo(bytes, mailbox.saturating_sub(SCHEME_REACH), mailbox) {
                found.push((mailbox, span_end));
            }
        }
    }
    Ok(Some(found))
}

/// `_ENCODED_MAILBOX`'s matches in ASCII ``bytes``, as `re.finditer` finds them:
/// `(?<![\w.+%-])(?:[\w.+-]|%2[Bb]){1,64}%40[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])`.
/// Read without backtracking: the mailbox's units cannot start with `%40`, so giving one back
/// never lets `%40` match; a label given back in part leaves a label character where a dot or
/// the end must be; so the only choice is which label is the top-level one, the last that can be
/// (letters only, two or more, no `_` after it).
fn encoded_mailboxes(bytes: &[u8]) -> Vec<(usize, usize)> {
    let label = |b: u8| b.is_ascii_alphanumeric() || b == b'-';
    let run = |from: usize, class: &dyn Fn(u8) -> bool| from + bytes[from..].iter().take_while(|&&b| class(b)).count();
    let mailbox_at = |start: usize| {
        if start > 0 && (is_local(bytes[start - 1]) || bytes[start - 1] == b'%') {
            return None;
        }
        let (mut at, mut units) = (start, 0);
        while units < 64 {
            if at < bytes.len() && is_local(bytes[at]) {
                at += 1;
            } else if bytes[at..].starts_with(b"%2B") || bytes[at..].starts_with(b"%2b") {
                at += 3;
            } else {
                break;
            }
            units += 1;
        }
        (units > 0 && bytes[at..].starts_with(b"%40")).then_some(at + 3).and_then(|domain| {
            let mut labels = vec![run(domain, &label)];
            if labels[0] == domain {
                return None;
            }
            while let Some(&end) = labels.last() {
                if end + 1 < bytes.len() && bytes[end] == b'.' && label(bytes[end + 1]) {
                    labels.push(run(end + 1, &label));
                } else {
                    break;
                }
            }
            // the top-level label: after a dot, letters only, two or more, and no `_` after it
            (1..labels.len()).rev().find_map(|i| {
                let (from, to) = (labels[i - 1] + 1, labels[i]);
                let letters = to - from >= 2 && bytes[from..to].iter().all(u8::is_ascii_alphabetic);
                (letters && bytes.get(to) != Some(&b'_')).then_some(to)
            })
        })
    };
    finditer(bytes.len(), mailbox_at, |end| end)
}

/// Whether `_URL_USERINFO` (`(?<![\w+.-])[A-Za-z][\w+.-]*://[^\s/@]*\Z`) is found in
/// `bytes[start..end]`: a scheme, then `://` and no whitespace, slash or `@` up to the end.
/// Whatever follows `://` holds no slash, so the `://` is right before the last run of such
/// characters; and a scheme starts a run of `[\w+.-]` (the lookbehind), so it is that whole run.
fn ends_userinfo(bytes: &[u8], start: usize, end: usize) -> bool {
    let after = end - bytes[start..end].iter().rev().take_while(|&&b| !(space(b) || b == b'/' || b == b'@')).count();
    if after < start + 4 || &bytes[after - 3..after] != b"://" {
        return false;
    }
    let colon = after - 3;
    let scheme = colon - bytes[..colon].iter().rev().take_while(|&&b| is_local(b)).count();
    scheme >= start && scheme < colon && bytes[scheme].is_ascii_alphabetic()
}
