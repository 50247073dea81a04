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
fn longest_plain_run(text: &[u8]) -> &[u8] {
    let (mut best, mut start) = ((0, 0), None);
    for (i, b) in text.iter().copied().chain(std::iter::once(0)).enumerate() {
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

/// Texts as UTF-8 bytes (lone surrogates, which Python strings may hold, encoded as UTF-8 would
/// encode them): one text is in another exactly when its bytes are in the other's.
pub fn known_present<T: AsRef<[u8]>>(originals: &[T], haystack: &[u8]) -> Vec<u8> {
    let occurs = |needle: &[u8]| needle.is_empty() || memmem::find(haystack, needle).is_some();
    originals
        .iter()
        .map(AsRef::as_ref)
        .map(|original| {
            let plain = original.iter().copied().all(is_plain);
            (if occurs(original) { WHOLE } else { 0 })
                | (if !plain && occurs(longest_plain_run(original)) { ENCODED } else { 0 })
        })
        .collect()
}
