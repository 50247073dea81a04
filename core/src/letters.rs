//! What Python's `str` methods and `re` classes say of the characters of names and addresses
//! beyond ASCII, read from Python (`fakes._letter_of`) a character at a time, as values first
//! hold one: case folding, case mapping, the cased and letter classes. Text holding a character
//! Python leaves out is not read here at all: whitespace beyond ASCII, and capital sigma with the
//! two small sigmas, whose upper case it is (`lower` writes it by its place in a word).

use std::sync::OnceLock;

use pyo3::prelude::*;

/// `str.isalpha()` of one character.
pub const ALPHA: u8 = 1;
/// `str.isupper()` of one character.
pub const UPPER: u8 = 2;
/// `str.islower()` of one character.
pub const LOWER: u8 = 4;
/// A titlecase character (`istitle()` but not `isupper()`): an upper- or lower-case test of a
/// text holding one fails.
pub const TITLE: u8 = 8;
/// `[^\W\d_]`: a letter as `re` reads one.
pub const NAME: u8 = 16;
/// `\w` as `re` reads it.
pub const WORD: u8 = 32;
/// `str.isdigit()` of one character.
pub const DIGIT: u8 = 64;
/// A character `re` matches, ignoring case, to one of the street types' letters that is not its
/// `lower()` (ı to i, ſ to s), or whose `lower()` is longer (İ).
pub const ODD_FOLD: u8 = 128;

struct Letter {
    flags: u8,
    fold: Box<str>,
    lower: Box<str>,
    upper: Box<str>,
    /// For an ODD_FOLD character, the street types' letters `re` matches it to.
    matches: Box<str>,
}

/// A page of 256 code points, each character read from Python when first asked about.
type Page = Box<[OnceLock<Option<Letter>>]>;

/// One table for the process (`fakes.letter_table`): the fakes' makers, the person finder and the
/// prefilter read it, each character read from Python once.
#[pyclass(module = "sanitizers._core", frozen)]
pub struct Letters {
    pages: Box<[OnceLock<Page>]>,
    /// `fakes._letter_of`: (flags, casefold, lower, upper, the letters an ODD_FOLD one matches)
    /// of a character, or None for one Python leaves out.
    load: Py<PyAny>,
    /// `gazetteer.SCRIPT_RANGES`: (first code point, code point after the last, script).
    scripts: Vec<(u32, u32, String)>,
}

#[pymethods]
impl Letters {
    /// ``load`` (`fakes._letter_of`) and ``scripts`` (`gazetteer.SCRIPT_RANGES`).
    #[new]
    pub fn new(load: Py<PyAny>, scripts: Vec<(u32, u32, String)>) -> Self {
        let pages = (0..=(u32::from(char::MAX) >> 8)).map(|_| OnceLock::new()).collect();
        Letters { pages, load, scripts }
    }
}

impl Letters {
    fn letter(&self, c: char) -> Option<&Letter> {
        let point = u32::from(c);
        let page = self.pages[(point >> 8) as usize].get_or_init(|| (0..256).map(|_| OnceLock::new()).collect());
        let cell = &page[(point & 0xFF) as usize];
        if cell.get().is_none() {
            // read outside the cell's lock: the call may let another thread take the interpreter
            let read = Python::attach(|py| -> PyResult<Option<Letter>> {
                let source: Option<(u8, String, String, String, String)> = self.load.bind(py).call1((c,))?.extract()?;
                Ok(source.map(|(flags, fold, lower, upper, matches)| {
                    let [fold, lower, upper, matches] = [fold, lower, upper, matches].map(String::into_boxed_str);
                    Letter { flags, fold, lower, upper, matches }
                }))
            });
            let _ = cell.set(read.ok()?); // an error is not kept: asked again next time
        }
        cell.get()?.as_ref()
    }

    /// Whether every character of ``text`` is in the table.
    pub fn reads(&self, text: &str) -> bool {
        text.chars().all(|c| self.letter(c).is_some())
    }

    fn flags(&self, c: char) -> Option<u8> {
        self.letter(c).map(|letter| letter.flags)
    }

    /// Whether ``c`` is in the table with one of ``flags``.
    pub fn is(&self, c: char, flags: u8) -> bool {
        self.flags(c).is_some_and(|f| f & flags != 0)
    }

    fn mapped(&self, text: &str, form: impl Fn(&Letter) -> &str) -> Option<String> {
        text.chars().map(|c| self.letter(c).map(&form)).collect()
    }

    /// `str.casefold()`.
    pub fn fold(&self, text: &str) -> Option<String> {
        self.mapped(text, |letter| &letter.fold)
    }

    /// `str.lower()` (capital sigma, the one character lowered by its place, is not in the table).
    pub fn lower(&self, text: &str) -> Option<String> {
        self.mapped(text, |letter| &letter.lower)
    }

    /// Whether `re`, ignoring case, matches ``c`` to ``letter`` (a street type's, in lower case).
    pub fn matches(&self, c: char, letter: char) -> bool {
        self.letter(c).is_some_and(|l| {
            if l.flags & ODD_FOLD != 0 {
                l.matches.contains(letter)
            } else {
                l.lower.chars().eq(std::iter::once(letter))
            }
        })
    }

    /// `str.upper()`.
    pub fn upper(&self, text: &str) -> Option<String> {
        self.mapped(text, |letter| &letter.upper)
    }

    /// `str.isupper()` (``cased`` UPPER) or `str.islower()` (LOWER): a cased character, and
    /// none of the other case nor titlecase.
    pub fn is_cased(&self, text: &str, cased: u8) -> Option<bool> {
        let other = (UPPER | LOWER) & !cased;
        let mut seen = false;
        for c in text.chars() {
            let flags = self.flags(c)?;
            if flags & (other | TITLE) != 0 {
                return Some(false);
            }
            seen |= flags & cased != 0;
        }
        Some(seen)
    }

    /// Runs of characters with ``flags`` (`re.findall` of `[^\W\d_]+` for NAME, `\w+` for
    /// WORD) of ``least`` characters or more.
    pub fn runs<'a>(&'a self, text: &'a str, flags: u8, least: usize) -> impl Iterator<Item = &'a str> {
        text.split(move |c| !self.is(c, flags)).filter(move |run| run.chars().nth(least.max(1) - 1).is_some())
    }

    /// `gazetteer.script_of` of text beyond ASCII: the script of its first letter beyond ASCII,
    /// "other" outside every range, "latin" without one.
    pub fn script(&self, text: &str) -> &str {
        let Some(c) = text.chars().find(|&c| !c.is_ascii() && self.is(c, ALPHA)) else { return "latin" };
        let point = u32::from(c);
        self.scripts.iter().find(|(low, high, _)| (*low..*high).contains(&point)).map_or("other", |s| s.2.as_str())
    }
}
