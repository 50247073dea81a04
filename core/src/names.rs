//! `names._SEQ` on ASCII text: the runs of capitalised words the person detector judges.
//!
//! The pattern, as it reads ASCII (its other letters never match there):
//! `(?<![\w@.])(W(?:[ \t]+(?:P[ \t]+){0,2}W){0,3})(?![\w@])`, a word `W` being
//! `[A-Z](?:[a-z]+|'(?=[A-Z]))(?:['-][A-Z]?[a-z]+|[A-Z][a-z]+)*` and `P` a particle (`van`, `de`).
//!
//! Python's engine backtracks; only a few of its choices can matter, and they are made here in
//! its order. A run of lower-case letters, or of blanks, is always taken whole: a shorter one
//! leaves a letter or a blank next, which nothing after it in the pattern accepts. Particles are
//! whole words followed by a blank, so at most one alternative fits, and fewer of them leave a
//! lower-case particle where a word must start. What remains is how many parts each word takes
//! and how many words the run takes: the most first, fewer when the lookahead fails at the end.

const PARTICLES: [&[u8]; 20] = [
    b"van", b"von", b"der", b"den", b"de", b"da", b"del", b"della", b"di", b"du", b"le", b"la", b"dos", b"das", b"zu",
    b"ten", b"ter", b"y", b"bin", b"al",
];

fn word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// The end of the run of lower-case letters at `at`, if there is one.
fn lower_run(text: &[u8], at: usize) -> Option<usize> {
    let end = at + text[at.min(text.len())..].iter().take_while(|b| b.is_ascii_lowercase()).count();
    (end > at).then_some(end)
}

/// Where a word starting at `at` may end, the longest first (each further part is optional).
fn word_ends(text: &[u8], at: usize) -> Vec<usize> {
    if !text.get(at).is_some_and(u8::is_ascii_uppercase) {
        return Vec::new();
    }
    let first = match text.get(at + 1) {
        Some(b'\'') if text.get(at + 2).is_some_and(u8::is_ascii_uppercase) => at + 2,
        _ => match lower_run(text, at + 1) {
            Some(end) => end,
            None => return Vec::new(),
        },
    };
    let mut ends = vec![first];
    let mut at = first;
    loop {
        let next = match text.get(at) {
            Some(b'\'' | b'-') => match text.get(at + 1) {
                Some(b) if b.is_ascii_uppercase() => lower_run(text, at + 2),
                _ => lower_run(text, at + 1),
            },
            Some(b) if b.is_ascii_uppercase() => lower_run(text, at + 1),
            _ => None,
        };
        match next {
            Some(end) => {
                ends.push(end);
                at = end;
            }
            None => break,
        }
    }
    ends.reverse();
    ends
}

fn blanks(text: &[u8], at: usize) -> usize {
    at + text[at.min(text.len())..].iter().take_while(|&&b| b == b' ' || b == b'\t').count()
}

/// Where the next word of a run may start after a word ending at `at`: blanks, up to two
/// particles each followed by blanks, then (the caller's to test) a capital.
fn next_word(text: &[u8], at: usize) -> Option<usize> {
    let mut next = blanks(text, at);
    if next == at {
        return None;
    }
    for _ in 0..2 {
        let word = &text[next..];
        let Some(particle) =
            PARTICLES.iter().find(|p| word.starts_with(p) && matches!(word.get(p.len()), Some(b' ' | b'\t')))
        else {
            break;
        };
        next = blanks(text, next + particle.len());
    }
    Some(next)
}

/// The end of a run whose last word ends at `end`, `words` words in: more words first, then
/// this end if the lookahead allows it.
fn run_end(text: &[u8], end: usize, words: usize) -> Option<usize> {
    if words < 4 {
        if let Some(start) = next_word(text, end) {
            if let Some(found) = word_ends(text, start).into_iter().find_map(|e| run_end(text, e, words + 1)) {
                return Some(found);
            }
        }
    }
    let next = text.get(end);
    (!next.is_some_and(|&b| word_byte(b) || b == b'@')).then_some(end)
}

/// The spans `_SEQ.finditer` gives an ASCII text (its group 1, which is the whole match).
pub fn name_runs(text: &[u8]) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut at = 0;
    while at < text.len() {
        let free = at == 0 || !(word_byte(text[at - 1]) || text[at - 1] == b'@' || text[at - 1] == b'.');
        let found = if free && text[at].is_ascii_uppercase() {
            word_ends(text, at).into_iter().find_map(|e| run_end(text, e, 1))
        } else {
            None
        };
        match found {
            Some(end) => {
                runs.push((at, end));
                at = end;
            }
            None => at += 1,
        }
    }
    runs
}
