//! What Python's `str` methods and `re` classes say of the characters a name beyond ASCII holds
//! (Latin, Greek, Cyrillic, the punctuation of names), read from Python once (`fakes._letters`):
//! case folding, case mapping, the cased and letter classes. Text holding a character outside
//! the table (whitespace beyond ASCII, capital sigma, other scripts) is not read here at all.

use rustc_hash::FxHashMap as HashMap;

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

pub struct Letters {
    table: HashMap<char, Letter>,
    /// `gazetteer._SCRIPT_RANGES`: (first code point, code point after the last, script).
    scripts: Vec<(u32, u32, String)>,
}

impl Letters {
    /// ``letters``: (character, flags, casefold, lower, upper, the letters an ODD_FOLD one matches)
    /// of each character read here.
    pub fn new(letters: Vec<(char, u8, String, String, String, String)>, scripts: Vec<(u32, u32, String)>) -> Self {
        let table = letters
            .into_iter()
            .map(|(c, flags, fold, lower, upper, matches)| {
                let [fold, lower, upper, matches] = [fold, lower, upper, matches].map(String::into_boxed_str);
                (c, Letter { flags, fold, lower, upper, matches })
            })
            .collect();
        Letters { table, scripts }
    }

    /// Whether every character of ``text`` is in the table.
    pub fn reads(&self, text: &str) -> bool {
        text.chars().all(|c| self.table.contains_key(&c))
    }

    fn flags(&self, c: char) -> Option<u8> {
        self.table.get(&c).map(|letter| letter.flags)
    }

    /// Whether ``c`` is in the table with one of ``flags``.
    pub fn is(&self, c: char, flags: u8) -> bool {
        self.flags(c).is_some_and(|f| f & flags != 0)
    }

    fn mapped(&self, text: &str, form: impl Fn(&Letter) -> &str) -> Option<String> {
        text.chars().map(|c| self.table.get(&c).map(&form)).collect()
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
        self.table.get(&c).is_some_and(|l| {
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
