//! `names.detect_person`: the runs of capitalised words `_SEQ` finds, then the detector's tests
//! of each (its word lists, and the patterns around a name, which Python hands over as they read
//! ASCII text). Beyond ASCII, the letters are Python's (the letters table), and a test of the
//! text around a name is made only where that text is ASCII.
//!
//! `_SEQ`, as it reads ASCII (beyond it, `[A-Z]` and `[a-z]` are `_UP` and `_LOW`, and `'` is
//! `['’]`):
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

use pyo3::prelude::*;
use pyo3::types::PyString;
use regex::bytes::Regex;

use crate::letters::{Letters, ALPHA, LOWER, UPPER, WORD};
use crate::python::{finditer, word, Indices};

/// What `_SEQ` asks of a text's characters, each found at a byte offset that starts one.
trait Reading {
    fn text(&self) -> &str;
    /// `[{_UP}]` and `[{_LOW}]`: the capitals and small letters a name's words are made of.
    fn up(&self, c: char) -> bool;
    fn low(&self, c: char) -> bool;
    /// `\w`.
    fn word(&self, c: char) -> bool;

    /// The character at ``at``, if one starts there.
    fn at(&self, at: usize) -> Option<char> {
        let text = self.text();
        if text.is_char_boundary(at) {
            text[at..].chars().next()
        } else {
            None
        }
    }

    /// The character before ``at``.
    fn before(&self, at: usize) -> Option<char> {
        self.text()[..at].chars().next_back()
    }
}

/// ASCII text: the capitals and small letters are ASCII's, `\w` is Python's in ASCII.
struct Ascii<'a>(&'a str);

impl Reading for Ascii<'_> {
    fn text(&self) -> &str {
        self.0
    }
    fn up(&self, c: char) -> bool {
        c.is_ascii_uppercase()
    }
    fn low(&self, c: char) -> bool {
        c.is_ascii_lowercase()
    }
    fn word(&self, c: char) -> bool {
        c.is_ascii() && word(c as u8)
    }
    fn at(&self, at: usize) -> Option<char> {
        self.0.as_bytes().get(at).map(|&b| char::from(b))
    }
    fn before(&self, at: usize) -> Option<char> {
        at.checked_sub(1).map(|at| char::from(self.0.as_bytes()[at]))
    }
}

/// Text beyond ASCII whose every character the letters table reads: Python's classes.
struct Beyond<'a> {
    text: &'a str,
    letters: &'a Letters,
    /// `names._CASED_BLOCKS`: the blocks whose cased letters `_UP` and `_LOW` hold.
    blocks: &'a [(u32, u32)],
}

impl Beyond<'_> {
    fn cased(&self, c: char, case: u8) -> bool {
        let point = u32::from(c);
        self.blocks.iter().any(|&(first, last)| (first..=last).contains(&point))
            && self.letters.is(c, ALPHA)
            && self.letters.is(c, case)
    }
}

impl Reading for Beyond<'_> {
    fn text(&self) -> &str {
        self.text
    }
    fn up(&self, c: char) -> bool {
        c.is_ascii_uppercase() || self.cased(c, UPPER)
    }
    fn low(&self, c: char) -> bool {
        c.is_ascii_lowercase() || self.cased(c, LOWER)
    }
    fn word(&self, c: char) -> bool {
        if c.is_ascii() {
            word(c as u8)
        } else {
            self.letters.is(c, WORD)
        }
    }
}

/// The character at `at` if it is one `class` holds, and where the next starts.
fn take(r: &impl Reading, at: usize, class: impl Fn(char) -> bool) -> Option<usize> {
    r.at(at).filter(|&c| class(c)).map(|c| at + c.len_utf8())
}

/// The end of the run of small letters at `at`, if there is one.
fn lower_run(r: &impl Reading, at: usize) -> Option<usize> {
    let mut end = at;
    while let Some(next) = take(r, end, |c| r.low(c)) {
        end = next;
    }
    (end > at).then_some(end)
}

fn apostrophe(c: char) -> bool {
    c == '\'' || c == '\u{2019}'
}

/// Where a word starting at `at` may end, the longest first (each further part is optional).
fn word_ends(r: &impl Reading, at: usize) -> Vec<usize> {
    let Some(after) = take(r, at, |c| r.up(c)) else { return Vec::new() };
    let first = match take(r, after, apostrophe) {
        Some(next) if take(r, next, |c| r.up(c)).is_some() => next,
        _ => match lower_run(r, after) {
            Some(end) => end,
            None => return Vec::new(),
        },
    };
    let mut ends = vec![first];
    let mut at = first;
    loop {
        let next = match take(r, at, |c| apostrophe(c) || c == '-') {
            Some(next) => match take(r, next, |c| r.up(c)) {
                Some(after) => lower_run(r, after),
                None => lower_run(r, next),
            },
            None => take(r, at, |c| r.up(c)).and_then(|after| lower_run(r, after)),
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
fn run_end(r: &impl Reading, end: usize, words: usize, particles: &[Vec<u8>]) -> Option<usize> {
    if words < 4 {
        if let Some(start) = next_word(r.text().as_bytes(), end, particles) {
            if let Some(found) = word_ends(r, start).into_iter().find_map(|e| run_end(r, e, words + 1, particles)) {
                return Some(found);
            }
        }
    }
    (!r.at(end).is_some_and(|c| r.word(c) || c == '@')).then_some(end)
}

/// The spans `_SEQ.finditer` gives a text (its group 1, which is the whole match).
fn name_runs(r: &impl Reading, particles: &[Vec<u8>]) -> Vec<(usize, usize)> {
    let run_at = |at: usize| {
        // a capital (at a character's start), with no word character, `@` or `.` before it
        if !r.at(at).is_some_and(|c| r.up(c)) || r.before(at).is_some_and(|c| r.word(c) || c == '@' || c == '.') {
            return None;
        }
        word_ends(r, at).into_iter().find_map(|e| run_end(r, e, 1, particles))
    };
    finditer(r.text().len(), run_at, |end| end)
}

/// The person detector (`names.detect_person`) with its word lists (lower case) and its
/// patterns around a name as they read ASCII text (see `names._ascii_pattern`); beyond ASCII,
/// with Python's letters (the letters table) and `_CASED_BLOCKS`.
pub struct Names {
    /// `names._PARTICLES`: the lower-case words between the words of a name (`van`, `de`).
    pub particles: Vec<Vec<u8>>,
    pub firsts: HashSet<Vec<u8>>,
    pub lasts: HashSet<Vec<u8>>,
    pub not_first: HashSet<Vec<u8>>,
    pub not_names: HashSet<Vec<u8>>,
    /// A title right before the name (`Mr.`), searched in the 40 characters before it.
    pub titled: Regex,
    /// A word that cues a name (`customer`, `name=`), likewise.
    pub cues: Regex,
    /// A greeting or sign-off (`Dear`, `Cheers,`), likewise.
    pub addressing: Regex,
    /// A mailbox after the name (`Jane Doe <jane@`), matched at its end, within 80 characters.
    pub mailbox: Regex,
    pub letters: Py<Letters>,
    pub blocks: Vec<(u32, u32)>,
    /// Python's readings where the text is beyond ASCII: the patterns around a name, above,
    /// `_PATRONYMIC`, and `_uncased_names`.
    pub python: Readings,
}

/// The `search` (`match` for the mailbox) of `_TITLED`, `_CUES`, `_ADDRESSING`, `_MAILBOX` and
/// `_PATRONYMIC`, and `names._uncased_names`.
pub type Readings = (Py<PyAny>, Py<PyAny>, Py<PyAny>, Py<PyAny>, Py<PyAny>, Py<PyAny>);

/// A call of Python's that failed: the whole text is then Python's to read.
struct Unread;

/// Whether ``pattern`` (a Rust replica of Python's ``python``) finds something in ``text``,
/// which Python reads where it is beyond ASCII.
fn finds(pattern: &Regex, python: &Py<PyAny>, text: &str) -> Result<bool, Unread> {
    if text.is_ascii() {
        return Ok(pattern.is_match(text.as_bytes()));
    }
    python_finds(python, text)
}

/// Whether Python's ``python`` (a pattern's `search` or `match`) finds something in ``text``.
fn python_finds(python: &Py<PyAny>, text: &str) -> Result<bool, Unread> {
    Python::attach(|py| python.bind(py).call1((text,))?.is_truthy()).map_err(|_| Unread)
}

impl Names {
    /// The spans `detect_person` finds in ``text`` (in bytes), in its order of tests; None where
    /// its Python reading decides: a text holding a character the letters table leaves out.
    /// Beyond ASCII, Python's patterns read the text around a name, and `_uncased_names` the
    /// uncased scripts (from Hebrew on).
    pub fn person_spans(&self, text: &str) -> Option<Vec<(usize, usize)>> {
        if text.is_ascii() {
            return self.spans(&Ascii(text), |word| Some(word.to_ascii_lowercase().into_bytes())).ok();
        }
        let letters = self.letters.get();
        if !letters.reads(text) {
            return None;
        }
        let reading = Beyond { text, letters, blocks: &self.blocks };
        let mut spans = self.spans(&reading, |word| letters.lower(word).map(String::into_bytes)).ok()?;
        if text.chars().any(|c| c >= '\u{590}') {
            let (.., uncased_names) = &self.python;
            let uncased: Vec<(usize, usize)> = Python::attach(|py| {
                let found = Indices::new(text).spans(uncased_names.bind(py), &PyString::new(py, text)).ok()??;
                Some(found.into_iter().map(|(start, end, _, _)| (start, end)).collect())
            })?;
            spans.extend(uncased);
        }
        Some(spans)
    }

    fn spans(&self, r: &impl Reading, lower: impl Fn(&str) -> Option<Vec<u8>>) -> Result<Vec<(usize, usize)>, Unread> {
        let text = r.text();
        let lower = |word: (usize, usize)| lower(&text[word.0..word.1]).ok_or(Unread);
        let (titled, cues, addressing, mailbox, ..) = &self.python;
        let mut spans = Vec::new();
        for (run_start, run_end) in name_runs(r, &self.particles) {
            let all: Vec<(usize, usize)> = words(text.as_bytes(), run_start, run_end);
            // titles and words that are never names go at the start ("Error Jane Doe", "Mr Doe")
            let mut first_at = None;
            for (i, &word) in all.iter().enumerate() {
                if !self.not_first.contains(&lower(word)?) {
                    first_at = Some(i);
                    break;
                }
            }
            let Some(first_at) = first_at else { continue };
            let mut names = &all[first_at..];
            // ... and at the end, unless a family name ("Jane Payment" is Jane; "Danielle White" stays whole)
            while names.len() > 1 {
                let last = lower(names[names.len() - 1])?;
                if !self.not_names.contains(&last) || self.lasts.contains(&last) {
                    break;
                }
                names = &names[..names.len() - 1];
            }
            let (start, end) = (names[0].0, names[names.len() - 1].1);
            let first = lower(names[0])?;
            if self.not_names.contains(&first) {
                continue;
            }
            let before = &text[text[..start].char_indices().rev().nth(39).map_or(0, |(at, _)| at)..start];
            let after = &text[end..text[end..].char_indices().nth(80).map_or(text.len(), |(at, _)| end + at)];
            let titled = || finds(&self.titled, titled, before);
            let cued = || finds(&self.cues, cues, before);
            let mailbox = || finds(&self.mailbox, mailbox, after);
            let known_first = self.firsts.contains(&first);
            let found = if names.len() >= 2 {
                let word = |i: usize| lower(names[i]);
                let known_lasts = self.lasts.contains(&first) && {
                    let mut any = false;
                    for i in 1..names.len() {
                        any = any || self.lasts.contains(&word(i)?);
                    }
                    any
                };
                known_first
                    || self.family_first(text, names, &first, &word)?
                    || known_lasts
                    || titled()?
                    || cued()?
                    || mailbox()?
            } else {
                titled()? || mailbox()? || (known_first && cued()?) || finds(&self.addressing, addressing, before)?
            };
            if found {
                spans.push((start, end));
            }
        }
        Ok(spans)
    }

    /// A family name first, then a given name; or, of three words, a given name second and a
    /// patronymic last (`_PATRONYMIC`, of Cyrillic letters: Python's to read).
    fn family_first(
        &self, text: &str, names: &[(usize, usize)], first: &[u8], word: &impl Fn(usize) -> Result<Vec<u8>, Unread>,
    ) -> Result<bool, Unread> {
        match names.len() {
            2 => Ok(self.lasts.contains(first) && self.firsts.contains(&word(1)?)),
            3 if self.firsts.contains(&word(1)?) => {
                let (start, end) = names[2];
                let (.., patronymic, _) = &self.python;
                let last = &text[start..end];
                Ok(!last.is_ascii() && python_finds(patronymic, last)?)
            }
            _ => Ok(false),
        }
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
