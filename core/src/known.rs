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

/// Whether ``needle`` occurs in ``haystack`` (an empty one always does, as in Python).
pub fn occurs(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || memmem::find(haystack, needle).is_some()
}

/// The pairs of adjacent bytes a haystack holds, a bit each: a needle one of whose pairs is
/// missing does not occur. Most known originals are missing from an event's output (they were
/// replaced), and a substring search costs more to set up than this costs a needle.
struct Pairs(Box<[u64; 1024]>);

impl Pairs {
    fn of(haystack: &[u8]) -> Self {
        let mut bits = Box::new([0u64; 1024]);
        for pair in haystack.windows(2) {
            let at = usize::from(pair[0]) << 8 | usize::from(pair[1]);
            bits[at >> 6] |= 1 << (at & 63);
        }
        Pairs(bits)
    }

    fn may_hold(&self, needle: &[u8]) -> bool {
        needle.windows(2).all(|pair| {
            let at = usize::from(pair[0]) << 8 | usize::from(pair[1]);
            self.0[at >> 6] & (1 << (at & 63)) != 0
        })
    }
}

/// Texts as UTF-8 bytes (lone surrogates, which Python strings may hold, encoded as UTF-8 would
/// encode them): one text is in another exactly when its bytes are in the other's.
pub fn known_present<T: AsRef<[u8]>>(originals: &[T], haystack: &[u8]) -> Vec<u8> {
    let pairs = Pairs::of(haystack);
    let occurs = |needle: &[u8]| pairs.may_hold(needle) && occurs(haystack, needle);
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

/// The known originals present in an event's output, in the order Python's `re` would try them
/// as one alternation: glued ones (secrets, found inside other text too) anywhere, the others as
/// whole words only, where no word character, `%XX` of a non-ASCII byte or `\uXXXX` of a JSON
/// escape touches them (a letter may be written in either).
pub struct Matcher {
    finders: Vec<memmem::Finder<'static>>,
    glued: Vec<bool>,
}

impl Matcher {
    /// `patterns` in the order the alternation tries them; `glued[i]` says whether pattern `i`
    /// matches without word boundaries. An event has a few: a substring search each, with no
    /// automaton to build, costs least.
    pub fn new<T: AsRef<[u8]>>(patterns: &[T], glued: Vec<bool>) -> Self {
        let finders = patterns.iter().map(|pattern| memmem::Finder::new(pattern.as_ref()).into_owned()).collect();
        Self { finders, glued }
    }

    /// (start, end, pattern) of each match, left to right, as `re.finditer` finds them: at each
    /// position the first pattern (in order) that matches there with its boundaries, then on
    /// from its end. `is_word` says whether a non-ASCII code point is a word character, which
    /// only the interpreter knows as its `re` does.
    pub fn find_all<E>(
        &self, text: &[u8], is_word: &mut impl FnMut(u32) -> Result<bool, E>,
    ) -> Result<Vec<(usize, usize, usize)>, E> {
        let mut all = Vec::new();
        for (id, finder) in self.finders.iter().enumerate() {
            let mut from = 0; // every occurrence, overlapping ones too: one may lack its boundaries
            while let Some(at) = finder.find(&text[from..]) {
                all.push((from + at, from + at + finder.needle().len(), id));
                from += at + 1;
            }
        }
        all.sort_unstable_by_key(|&(start, _, id)| (start, id));
        let (mut found, mut cursor, mut i) = (Vec::new(), 0, 0);
        while i < all.len() {
            let start = all[i].0;
            let group = all[i..].iter().take_while(|m| m.0 == start).count();
            if start >= cursor {
                let mut free_before = None; // the boundary before `start`, tested once if needed
                for &(_, end, id) in &all[i..i + group] {
                    let fits = self.glued[id] || {
                        let before = match free_before {
                            Some(before) => before,
                            None => *free_before.insert(free_side(text, start, true, is_word)?),
                        };
                        before && free_side(text, end, false, is_word)?
                    };
                    if fits {
                        found.push((start, end, id));
                        cursor = end;
                        break;
                    }
                }
            }
            i += group;
        }
        Ok(found)
    }
}

/// Whether the side of a match at `at` (its start if `before`, else its end) is free of a word
/// character, a `%XX` escape of a non-ASCII byte (`%[89a-fA-F][0-9a-fA-F]`) and a `\uXXXX`
/// escape. The escapes are ASCII, so testing bytes tests characters.
fn free_side<E>(
    text: &[u8], at: usize, before: bool, is_word: &mut impl FnMut(u32) -> Result<bool, E>,
) -> Result<bool, E> {
    let next = if before { code_point_before(text, at) } else { code_point_at(text, at) };
    if let Some(point) = next {
        let word = if point < 0x80 {
            (point as u8).is_ascii_alphanumeric() || point == u32::from(b'_')
        } else {
            is_word(point)?
        };
        if word {
            return Ok(false);
        }
    }
    let window = |len: usize| if before { at.checked_sub(len).map(|s| &text[s..at]) } else { text.get(at..at + len) };
    let percent = window(3).is_some_and(|w| {
        w[0] == b'%' && matches!(w[1], b'8' | b'9' | b'a'..=b'f' | b'A'..=b'F') && w[2].is_ascii_hexdigit()
    });
    let unicode = window(6).is_some_and(|w| w[0] == b'\\' && w[1] == b'u' && w[2..].iter().all(u8::is_ascii_hexdigit));
    Ok(!percent && !unicode)
}

/// The code point starting at `at` (UTF-8, lone surrogates as UTF-8 would encode them).
fn code_point_at(text: &[u8], at: usize) -> Option<u32> {
    let lead = *text.get(at)?;
    let (len, bits) = match lead {
        0x00..=0x7F => return Some(u32::from(lead)),
        0xC0..=0xDF => (2, u32::from(lead & 0x1F)),
        0xE0..=0xEF => (3, u32::from(lead & 0x0F)),
        _ => (4, u32::from(lead & 0x07)),
    };
    let rest = text.get(at + 1..at + len)?;
    Some(rest.iter().fold(bits, |point, &b| (point << 6) | u32::from(b & 0x3F)))
}

/// The code point ending right before `at`.
fn code_point_before(text: &[u8], at: usize) -> Option<u32> {
    let start = (at.saturating_sub(4)..at).rev().find(|&i| text[i] & 0xC0 != 0x80)?;
    code_point_at(text, start)
}
