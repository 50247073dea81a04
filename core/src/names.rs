//! `names.detect_person` on ASCII text: the runs of capitalised words `_SEQ` finds, then the
//! detector's tests of each (its word lists, and the patterns around a name, which Python hands
//! over as they read ASCII text).
//!
//! `_SEQ`, as it reads ASCII (its other letters never match there):
//! `(?<![\w@.])(W(?:[ \t]+(?:P[ \t]+){0,2}W){0,3})(?![\w@])`, a word `W` being
//! `[A-Z](?:[a-z]+|'(?=[A-Z]))(?:['-][A-Z]?[a-z]+|[A-Z][a-z]+)*` and `P` a particle (`van`, `de`).
//!
//! Python's engine backtracks; only a few of its choices can matter, and they are made here in
//! its order. A run of lower-case letters, or of blanks, is always taken whole: a shorter one
//! leaves a letter or a blank next, which nothing after it in the pattern accepts. Particles are
//! whole words followed by a blank, so at most one alternative fits, and fewer of them leave a
//! lower-case particle where a word must start. What remains is how many parts each word takes
//! and how many words the run takes: the most first, fewer when the lookahead fails at the end.

use std::collections::HashSet;

use regex::bytes::Regex;

use crate::python::{finditer, word};

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
fn next_word(text: &[u8], at: usize, particles: &[Vec<u8>]) -> Option<usize> {
    let mut next = blanks(text, at);
    if next == at {
        return None;
    }
    for _ in 0..2 {
        let word = &text[next..];
        let Some(particle) =
            particles.iter().find(|p| word.starts_with(p) && matches!(word.get(p.len()), Some(b' ' | b'\t')))
        else {
            break;
        };
        next = blanks(text, next + particle.len());
    }
    Some(next)
}

/// The end of a run whose last word ends at `end`, `words` words in: more words first, then
/// this end if the lookahead allows it.
fn run_end(text: &[u8], end: usize, words: usize, particles: &[Vec<u8>]) -> Option<usize> {
    if words < 4 {
        if let Some(start) = next_word(text, end, particles) {
            if let Some(found) = word_ends(text, start).into_iter().find_map(|e| run_end(text, e, words + 1, particles))
            {
                return Some(found);
            }
        }
    }
    let next = text.get(end);
    (!next.is_some_and(|&b| word(b) || b == b'@')).then_some(end)
}

/// The spans `_SEQ.finditer` gives an ASCII text (its group 1, which is the whole match).
fn name_runs(text: &[u8], particles: &[Vec<u8>]) -> Vec<(usize, usize)> {
    let run_at = |at: usize| {
        let free = at == 0 || !(word(text[at - 1]) || text[at - 1] == b'@' || text[at - 1] == b'.');
        if !(free && text[at].is_ascii_uppercase()) {
            return None;
        }
        word_ends(text, at).into_iter().find_map(|e| run_end(text, e, 1, particles))
    };
    finditer(text.len(), run_at, |end| end)
}

/// The person detector (`names.detect_person`) on ASCII text, with its word lists (ASCII, lower
/// case) and its patterns around a name as they read ASCII text (see `names._ascii_pattern`).
pub struct Names {
    /// `names._PARTICLES`: the lower-case words between the words of a name (`van`, `de`).
    pub particles: Vec<Vec<u8>>,
    pub firsts: HashSet<Vec<u8>>,
    pub lasts: HashSet<Vec<u8>>,
    pub not_first: HashSet<Vec<u8>>,
    pub not_names: HashSet<Vec<u8>>,
    /// A title right before the name (`Mr.`), searched in the 40 bytes before it.
    pub titled: Regex,
    /// A word that cues a name (`customer`, `name=`), likewise.
    pub cues: Regex,
    /// A greeting or sign-off (`Dear`, `Cheers,`), likewise.
    pub addressing: Regex,
    /// A mailbox after the name (`Jane Doe <jane@`), matched at its end, within 80 bytes.
    pub mailbox: Regex,
}

impl Names {
    /// The spans `detect_person` finds in ASCII ``text``, in its order of tests.
    pub fn person_spans(&self, text: &[u8]) -> Vec<(usize, usize)> {
        let lower = |word: &[u8]| word.to_ascii_lowercase();
        let mut spans = Vec::new();
        for (run_start, run_end) in name_runs(text, &self.particles) {
            let all: Vec<(usize, usize)> = words(text, run_start, run_end);
            // titles and words that are never names go at the start ("Error Jane Doe", "Mr Doe")
            let Some(first_at) = all.iter().position(|&(s, e)| !self.not_first.contains(&lower(&text[s..e]))) else {
                continue;
            };
            let mut names = &all[first_at..];
            // ... and at the end, unless a family name ("Jane Payment" is Jane; "Danielle White" stays whole)
            while names.len() > 1 {
                let (s, e) = names[names.len() - 1];
                let last = lower(&text[s..e]);
                if !self.not_names.contains(&last) || self.lasts.contains(&last) {
                    break;
                }
                names = &names[..names.len() - 1];
            }
            let (start, end) = (names[0].0, names[names.len() - 1].1);
            let first = lower(&text[names[0].0..names[0].1]);
            if self.not_names.contains(&first) {
                continue;
            }
            let before = &text[start.saturating_sub(40)..start];
            let mailbox = || self.mailbox.is_match(&text[end..text.len().min(end + 80)]);
            let known_first = self.firsts.contains(&first);
            let found = if names.len() >= 2 {
                let word = |i: usize| lower(&text[names[i].0..names[i].1]);
                let known_lasts =
                    self.lasts.contains(&first) && (1..names.len()).any(|i| self.lasts.contains(&word(i)));
                // a family name first, then a given name (the patronymic of a Russian name is never ASCII)
                let family_first = names.len() == 2 && self.lasts.contains(&first) && self.firsts.contains(&word(1));
                known_first
                    || family_first
                    || known_lasts
                    || self.titled.is_match(before)
                    || self.cues.is_match(before)
                    || mailbox()
            } else {
                self.titled.is_match(before)
                    || mailbox()
                    || (known_first && self.cues.is_match(before))
                    || self.addressing.is_match(before)
            };
            if found {
                spans.push((start, end));
            }
        }
        spans
    }
}

/// The words of a run: what `str.split` gives, by position (a run's blanks are spaces and tabs).
fn words(text: &[u8], start: usize, end: usize) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let mut at = start;
    while at < end {
        let blank = |b: &u8| *b == b' ' || *b == b'\t';
        let word_start = at + text[at..end].iter().take_while(|b| blank(b)).count();
        let word_end = word_start + text[word_start..end].iter().take_while(|b| !blank(b)).count();
        if word_end > word_start {
            found.push((word_start, word_end));
        }
        at = word_end;
    }
    found
}
