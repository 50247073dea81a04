//! `names.detect_address` (a house number next to words that include a street type) of ASCII
//! text, where Python's reading costs 50 us a text in a run: its patterns are Python's own
//! (`names._address_patterns`), run by Rust's engine. That engine has no lookaround, so the
//! lookbehind each pattern starts with is checked at each match's start (and the search tried
//! again a character on, as Python's engine tries the next position), and `_NUMBER_LAST`'s
//! lookahead becomes a character taken after the match, or the end of the text, which keeps the
//! order in which a backtracking engine tries the ways to match. `_WORD`'s apostrophe branch
//! (`O'Connor`) holds a lookahead too: a text in which an apostrophe comes between two capitals
//! is Python's to read, and in any other the branch never matches.

use aho_corasick::AhoCorasick;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use regex::bytes::{Captures, Regex, RegexBuilder};
use rustc_hash::FxHashSet;

use crate::prefilter::Streets;
use crate::python::{split, word};

#[pyclass(module = "sanitizers._core", frozen)]
pub struct AddressFinder {
    number_first: Regex,
    number_last: Regex,
    postal_after: Regex,
    tail: Regex,
    /// What may not come before the first two patterns' matches (`_POSTAL_AFTER`'s is the
    /// second's), each a class of one character anchored at the start.
    not_after_number: Regex,
    not_after_word: Regex,
    /// `street_words()`, `_UNITS`, and the glued street types (`_GLUED` and `GLUED_AMBIGUOUS`).
    streets: FxHashSet<String>,
    units: FxHashSet<String>,
    glued: Vec<String>,
    ambiguous: Vec<String>,
    /// `_street_gate()` and `_GLUED_ENDINGS`, as `_mentions_street` reads them: the stems and
    /// glued endings as the prefilter asks about them (without its short runs), the short runs
    /// and the short street words.
    stems: Streets,
    short_runs: FxHashSet<String>,
    short_words: AhoCorasick,
}

/// A match's group split into its words, as `str.split` splits it.
fn words(text: &str) -> Vec<&str> {
    split(text).map(|(_, word)| word).collect()
}

fn capitalized(word: &str) -> bool {
    word.as_bytes().first().is_some_and(u8::is_ascii_uppercase)
}

/// `str.index(sub, start)`: the words a match's group splits into are in the text after it.
fn index(text: &str, sub: &str, start: usize) -> usize {
    start + text[start..].find(sub).expect("a word of a match is in the text")
}

#[pymethods]
impl AddressFinder {
    /// The bodies of `_NUMBER_FIRST`, `_NUMBER_LAST` and `_POSTAL_AFTER`, and `_TAIL`, as
    /// `_address_patterns` writes them for ASCII text (`_ascii_classes`); the classes of a
    /// character the first (and then the other two) may not start after, and `_NUMBER_LAST`
    /// may not end before; the word lists in lower case.
    #[new]
    #[allow(clippy::too_many_arguments)]
    fn new(
        patterns: [String; 4], not_after: [String; 2], not_before_last: &str, streets: Vec<String>, units: Vec<String>,
        glued: Vec<String>, ambiguous: Vec<String>, stems: Vec<String>, short_runs: Vec<String>,
        short_words: Vec<String>, endings: Vec<String>,
    ) -> PyResult<Self> {
        // ASCII text only: the classes as bytes, and `\w`, `\d` and `\b` as ASCII's
        let compile = |source: &str| {
            RegexBuilder::new(source).unicode(false).build().map_err(|e| PyValueError::new_err(e.to_string()))
        };
        let [first, last, after, tail] = patterns;
        let class = |class: &str| -> PyResult<String> {
            class
                .strip_prefix('[')
                .and_then(|body| body.strip_suffix(']'))
                .map(str::to_owned)
                .ok_or_else(|| PyValueError::new_err(format!("not one class of characters: {class}")))
        };
        let [number, word] = not_after;
        Ok(AddressFinder {
            number_first: compile(&first)?,
            number_last: compile(&format!(r"(?P<body>{last})(?:[^{}]|\z)", class(not_before_last)?))?,
            postal_after: compile(&after)?,
            tail: compile(&tail)?,
            not_after_number: compile(&format!(r"\A[{}]", class(&number)?))?,
            not_after_word: compile(&format!(r"\A[{}]", class(&word)?))?,
            streets: streets.into_iter().collect(),
            units: units.into_iter().collect(),
            glued,
            ambiguous,
            stems: Streets::new(stems, Vec::new(), endings, None, Vec::new()),
            short_runs: short_runs.into_iter().collect(),
            short_words: AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(&short_words)
                .map_err(|e| PyValueError::new_err(e.to_string()))?,
        })
    }

    /// `detect_address`'s spans of ``text`` (in bytes, which are its characters); None where the
    /// text is beyond ASCII or holds an apostrophe between two capitals (Python reads those).
    fn spans(&self, text: &str) -> Option<Vec<(usize, usize)>> {
        let bytes = text.as_bytes();
        let apostrophe = |w: &[u8]| w[0].is_ascii_uppercase() && w[1] == b'\'' && w[2].is_ascii_uppercase();
        if !text.is_ascii() || bytes.windows(3).any(apostrophe) {
            return None;
        }
        let mut spans = Vec::new();
        if !text.contains([' ', '\t']) || !bytes.iter().any(u8::is_ascii_digit) || !self.mentions_street(text) {
            return Some(spans);
        }
        for m in self.matches(&self.number_first, &self.not_after_number, text) {
            let group = m.get(1).expect("the pattern's group");
            let mut words = words(&text[group.range()]);
            if let Some(unit) =
                words.iter().position(|w| self.units.contains(w.to_ascii_lowercase().trim_end_matches('.')))
            {
                words.truncate(unit);
            }
            while words.last().is_some_and(|w| !(self.is_street(w) || capitalized(w))) {
                words.pop();
            }
            let Some(&last) = words.last() else { continue };
            if words.len() >= 2
                && (self.is_street(last) || (words.iter().any(|w| self.is_street(w)) && capitalized(last)))
            {
                let end = index(text, last, group.start()) + last.len();
                spans.push((m.get(0).expect("a match").start(), self.with_tail(text, end)));
            }
        }
        for m in self.matches(&self.number_last, &self.not_after_word, text) {
            let group = m.get(2).expect("the pattern's group");
            let words = words(&text[group.range()]);
            let Some(first) = words.iter().position(|w| self.is_street(w)) else { continue };
            let offset = words[..first].iter().fold(group.start(), |offset, w| index(text, w, offset) + w.len());
            let start = index(text, words[first], offset);
            if words[first..].iter().any(|w| capitalized(w)) {
                spans.push((start, self.with_tail(text, m.name("body").expect("the body").end())));
            }
        }
        for m in self.matches(&self.postal_after, &self.not_after_word, text) {
            if words(&text[m.get(1).expect("the pattern's group").range()]).first().is_some_and(|w| self.is_street(w)) {
                let whole = m.get(0).expect("a match");
                spans.push((whole.start(), whole.end()));
            }
        }
        Some(spans)
    }
}

impl AddressFinder {
    /// The matches `finditer` finds of a pattern that starts with the lookbehind ``not_after``:
    /// at each position in turn where the pattern matches and the character before is not one
    /// of ``not_after``, then on from the end of that match (of its body where it took a
    /// character after it).
    fn matches<'t>(&self, pattern: &Regex, not_after: &Regex, text: &'t str) -> Vec<Captures<'t>> {
        let mut found = Vec::new();
        let mut at = 0;
        while at <= text.len() {
            let Some(m) = pattern.captures_at(text.as_bytes(), at) else { break };
            let whole = m.get(0).expect("a match");
            if whole.start() > 0 && not_after.is_match(&text.as_bytes()[whole.start() - 1..]) {
                at = whole.start() + 1;
                continue;
            }
            let end = m.name("body").map_or(whole.end(), |body| body.end());
            at = if end > whole.start() { end } else { whole.start() + 1 };
            found.push(m);
        }
        found
    }

    /// `_with_tail`: the end of an address with the unit, postal code and city after it.
    fn with_tail(&self, text: &str, end: usize) -> usize {
        end + self.tail.find(&text.as_bytes()[end..]).map_or(0, |m| m.end())
    }

    /// `_is_street`: a street word, or a word a street type is glued to.
    fn is_street(&self, word: &str) -> bool {
        let lower = word.to_ascii_lowercase();
        let w = lower.trim_end_matches(',');
        self.streets.contains(w) || self.streets.contains(w.trim_end_matches('.')) || self.glued_street(w)
    }

    /// Whether `street_suffix` finds a street type glued to ``w`` (lower case, no newline):
    /// `_GLUED_SUFFIX`'s first branch after any character, its second after three word
    /// characters and a consonant.
    fn glued_street(&self, w: &str) -> bool {
        let b = w.as_bytes();
        let consonant = |c: u8| word(c) && !c.is_ascii_digit() && !b"aeiouy".contains(&c.to_ascii_lowercase());
        (1..w.len()).any(|i| {
            self.glued.iter().any(|t| &w[i..] == t)
                || (i >= 4
                    && b[i - 4..i - 1].iter().all(|&c| word(c))
                    && consonant(b[i - 1])
                    && self.ambiguous.iter().any(|t| &w[i..] == t))
        })
    }

    /// `_mentions_street` of ASCII text: a letter run that is a street word's stem or ends in
    /// a glued type without being one, or one of the short street words on its own.
    fn mentions_street(&self, text: &str) -> bool {
        if self.stems.mentioned(text) {
            return true;
        }
        let bytes = text.as_bytes();
        text.split(|c: char| !c.is_ascii_alphabetic()).any(|w| self.short_runs.contains(&w.to_ascii_lowercase()))
            && self.short_words.find_overlapping_iter(text).any(|m| {
                (m.start() == 0 || !word(bytes[m.start() - 1])) && bytes.get(m.end()).is_none_or(|&b| !word(b))
            })
    }
}
