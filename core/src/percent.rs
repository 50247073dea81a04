//! `urllib.parse`'s percent-encoding as the URL and query codecs use it (`encodings`): what
//! Python's functions give, for text without lone surrogates (the callers hand the rest to Python).

use std::borrow::Cow;

/// `unquote(text)` (UTF-8, errors replaced): in each run of ASCII, `%` and two hex digits the
/// byte they spell, the run's bytes then read as UTF-8 with U+FFFD for each maximal invalid
/// part, as Python's decoder replaces them; other characters as they are. With ``plus``,
/// `unquote_plus`: each `+` a space first.
pub fn unquote(text: &str, plus: bool) -> Cow<'_, str> {
    if !(text.contains('%') || plus && text.contains('+')) {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let (mut out, mut run) = (String::with_capacity(text.len()), Vec::new());
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        if !byte.is_ascii() {
            let width = text[i..].chars().next().map_or(1, char::len_utf8);
            out.push_str(&String::from_utf8_lossy(&run));
            run.clear();
            out.push_str(&text[i..i + width]);
            i += width;
            continue;
        }
        let hex = |k: usize| bytes.get(k).and_then(|&b| char::from(b).to_digit(16));
        match (byte, hex(i + 1), hex(i + 2)) {
            (b'%', Some(high), Some(low)) => {
                run.push((high * 16 + low) as u8);
                i += 3;
            }
            (b'+', _, _) if plus => {
                run.push(b' ');
                i += 1;
            }
            _ => {
                run.push(byte);
                i += 1;
            }
        }
    }
    out.push_str(&String::from_utf8_lossy(&run));
    Cow::Owned(out)
}

const HEX: [char; 16] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'A', 'B', 'C', 'D', 'E', 'F'];

/// `quote(value, safe)` (or `quote_plus`, with ``plus``): each UTF-8 byte of ``value`` but
/// ASCII letters, digits, `_.-~` and the ASCII characters of ``safe`` written `%XX`; with
/// ``plus``, a space written `+` (and a `+` escaped, unless ``safe`` holds it); with
/// ``beyond_ascii``, a character beyond ASCII written as it is.
pub fn quote(value: &str, safe: &str, plus: bool, beyond_ascii: bool) -> String {
    let mut keep = [false; 128];
    for byte in b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~".iter().chain(safe.as_bytes()) {
        if byte.is_ascii() {
            keep[usize::from(*byte)] = true;
        }
    }
    let mut out = String::with_capacity(value.len());
    for ch in value.chars() {
        if beyond_ascii && !ch.is_ascii() {
            out.push(ch);
            continue;
        }
        for &byte in ch.encode_utf8(&mut [0; 4]).as_bytes() {
            if plus && byte == b' ' {
                out.push('+');
            } else if byte.is_ascii() && keep[usize::from(byte)] {
                out.push(char::from(byte));
            } else {
                out.extend(['%', HEX[usize::from(byte >> 4)], HEX[usize::from(byte & 15)]]);
            }
        }
    }
    out
}

/// `encodings.requote`'s safe characters for a value put back where ``raw`` was: the ASCII
/// characters of ``raw`` that are neither letters nor digits nor one of `%&=#+` and space
/// (``raw``'s other characters `quote` drops from its safe set, or are letters or digits).
pub fn safe_of(raw: &str) -> String {
    let mut safe: Vec<char> =
        raw.chars().filter(|c| c.is_ascii() && !c.is_ascii_alphanumeric() && !"%&=#+ ".contains(*c)).collect();
    safe.sort_unstable();
    safe.dedup();
    safe.into_iter().collect()
}
