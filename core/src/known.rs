//! Which of an event's known originals are still in its output, in one scan of the output's
//! strings: the engine's propagation and leak gate look up only those.

use memchr::memmem;

/// Set where the original itself occurs in the haystack.
pub const WHOLE: u8 = 1;
/// Set where an encoding of the original may occur: it is not plain (`[A-Za-z0-9_.~-]*`) and
/// its longest plain run occurs (an encoding keeps plain runs as they are).
pub const ENCODED: u8 = 2;

fn is_plain(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'~' | b'-')
}

/// The first longest run of plain characters, as Python's `max(findall, key=len, default="")`.
fn longest_plain_run(text: &str) -> &str {
    let (mut best, mut start) = ((0, 0), None);
    for (i, b) in text.bytes().chain(std::iter::once(0)).enumerate() {
        match (is_plain(b) && i < text.len(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                if i - s > best.1 - best.0 {
                    best = (s, i);
                }
                start = None;
            }
            _ => {}
        }
    }
    &text[best.0..best.1]
}

pub fn known_present(originals: &[String], haystack: &str) -> Vec<u8> {
    let occurs = |needle: &str| needle.is_empty() || memmem::find(haystack.as_bytes(), needle.as_bytes()).is_some();
    originals
        .iter()
        .map(|original| {
            let plain = original.bytes().all(is_plain);
            (if occurs(original) { WHOLE } else { 0 }) | (if !plain && occurs(longest_plain_run(original)) { ENCODED } else { 0 })
        })
        .collect()
}
