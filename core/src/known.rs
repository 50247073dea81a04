//! Which of an event's known originals are still in its output, in one scan of the output's
//! strings: the engine's propagation and leak gate look up only those.

use memchr::memmem;

/// Set where the original itself occurs in the haystack.
pub const WHOLE: u8 = 1;
/// Set where an encoding of the original may occur: it is not plain (`[A-Za-z0-9_.~-]*`) and
/// each of its plain runs occurs (an encoding keeps plain runs as they are).
pub const ENCODED: u8 = 2;

fn is_plain(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'~' | b'-')
}

/// The runs of plain characters, longest first: the likeliest to be missing.
fn plain_runs(text: &[u8]) -> Vec<&[u8]> {
    let mut runs: Vec<&[u8]> = text.split(|&b| !is_plain(b)).filter(|run| !run.is_empty()).collect();
    runs.sort_by_key(|run| std::cmp::Reverse(run.len()));
    runs
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
                | (if !plain && plain_runs(original).into_iter().all(occurs) { ENCODED } else { 0 })
        })
        .collect()
}
