//! The scan of Python's `re.finditer`, for the detectors replicated in Rust.

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
