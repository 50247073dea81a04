//! One pass over a string that rules detectors out before Python calls them. Each condition is
//! implied by its detector's own first test (so a detector it lets through still decides alone,
//! and one it rules out would have found nothing): counts of digits, substrings, and gate
//! patterns with their lookbehinds dropped.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use memchr::memmem;
use regex::Regex;
use rustc_hash::FxHashSet as HashSet;

use pyo3::Py;

use crate::letters::{Letters, NAME, WORD};
use crate::python::{space, word};
use crate::Pattern;

/// The detectors with a condition, in bit order; the others always run.
pub const PREFILTERED: [&str; 20] = [
    "JWT",
    "PEM_KEY",
    "API_KEY",
    "URL_CREDENTIALS",
    "SECRET_ASSIGNMENT",
    "EMAIL_ADDRESS",
    "CREDIT_CARD",
    "IBAN_CODE",
    "US_SSN",
    "NATIONAL_ID",
    "IP_ADDRESS",
    "PHONE_NUMBER",
    "PHONE_VALUE",
    "MAC_ADDRESS",
    "CRYPTO",
    "USERNAME",
    "DATE_OF_BIRTH",
    "USER_ID",
    "PERSON",
    "ADDRESS",
];

fn pattern(re: &str) -> Regex {
    Regex::new(re).expect("a valid pattern")
}

static API_KEY: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"_(?:live|test)_|gh[pousr]_|github_pat_|AKIA|ASIA|xox|glpat-|AIza|SG\.|npm_|shp|sq0"));
/// presidio's IBAN gate (two letters after no letter or digit, two digits, nine more letters
/// or digits), its lookahead as part of the match.
pub(crate) static IBAN: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"(?i)(?:^|[^a-z0-9])[a-z]{2}[ -]?\d{2}(?:[ -]?[a-z0-9]){9}"));
/// The start of a lower-case IBAN (`_LOWER_IBAN`, looked for where the text says "iban").
static LOWER_IBAN: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"(?:^|[^A-Za-z0-9_-])[a-z]{2}\d{2}(?: ?[a-z0-9]{4}){2}"));
/// The SSN detector keeps a separated number, or nine digits where a cue word is.
pub(crate) static SSN_SEPARATED: LazyLock<Regex> = LazyLock::new(|| pattern(r"\d{3}[- .]\d{2}[- .]\d{4}"));
pub(crate) static NINE_DIGITS: LazyLock<Regex> = LazyLock::new(|| pattern(r"\d{9}"));
/// A card number's digits and separators (`_CARD`), its lookarounds dropped.
static CARD: LazyLock<Regex> = LazyLock::new(|| pattern(r"(?:\d[ -]?){11}\d"));
pub(crate) static IP: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d|::|(?:[0-9a-fA-F]{1,4}:){7}"));
/// presidio's MAC address patterns: six hex pairs joined by one separator, or three groups of
/// four joined by dots (found only where the detector's own gate, three pairs, passes too).
static MAC: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5}"));
static MAC_PAIRS: LazyLock<Regex> = LazyLock::new(|| {
    pattern(r"[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}|[0-9A-Fa-f]{2}-[0-9A-Fa-f]{2}-[0-9A-Fa-f]{2}")
});
static MAC_DOTS: LazyLock<Regex> = LazyLock::new(|| pattern(r"[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}"));
static CRYPTO: LazyLock<Regex> = LazyLock::new(|| pattern(r"(?:bc1|[13])[a-zA-HJ-NP-Z0-9]{25,}"));
static USER_ID: LazyLock<Regex> = LazyLock::new(|| pattern(r"(?i-u)_[a-z0-9]{8}|user|customer|member|account"));
/// `_AUTH_VALUE`'s start: a whole value that is a scheme and credentials, after Python's
/// whitespace (`\s` and `\x1c`-`\x1f`). The assignment patterns need a `=` or a `:` instead.
static AUTH_VALUE: LazyLock<Regex> = LazyLock::new(|| pattern(r"^[\s\x1c-\x1f]*(?i:basic|bearer|token) "));

const ASSIGNMENT_WORDS: [&str; 10] =
    ["auth", "basic", "bearer", "token", "pass", "pwd", "secret", "key", "sid", "session"];
const USERNAME_CUES: [&str; 7] = ["log", "sign", "authenticated", "user=", "username=", "uname=", "<"];
/// A part of each of `_DOB_CUES`, which are looked for in the lower-cased text: beyond ASCII, its
/// letter in either case (`né`, `födelse`, `doğum`, `рождения`: no other character lowers to it).
const BIRTH_CUES: [&str; 21] = [
    "dob",
    "d.o.b",
    "born",
    "birth",
    "geb",
    "nacimiento",
    "nascita",
    "nascimento",
    "naissance",
    "urodzenia",
    "né",
    "nÉ",
    "ö",
    "Ö",
    "ğ",
    "Ğ",
    "ж",
    "Ж",
    "生年月日",
    "出生日期",
    "생년월일",
];
const USER_ID_WORDS: [&str; 4] = ["user", "customer", "member", "account"];
/// Every alternative of `_DEVICE` (a device named after its owner) holds one of these.
const DEVICE_WORDS: [&str; 14] = [
    "mac",
    "mbp",
    "iphone",
    "ipad",
    "pixel",
    "galaxy",
    "oneplus",
    "thinkpad",
    "laptop",
    "desktop",
    "notebook",
    "surface",
    "pc",
    "workstation",
];
/// A part of each word `_ADDRESS_CUE` takes as naming an address: of `адрес`, its `р`, which
/// `(?i)` matches in either case and in no other character.
const ADDRESS_CUES: [&str; 11] =
    ["addres", "adres", "direcci", "indirizzo", "endere", "anschrift", "geocod", "р", "Р", "주소", "地址"];
pub(crate) const SSN_CUES: [&str; 5] = ["ssn", "social", "security", "national", "tax"];
/// A part of each word `_NATIONAL_ID` takes as naming a national id (of rodné číslo, its rodn).
const NATIONAL_ID_CUES: [&str; 33] = [
    "ssn",
    "social",
    "national",
    "tax",
    "steuer",
    "ausweis",
    "documento",
    "idnumber",
    "id-number",
    "id number",
    "idno",
    "id-no",
    "id no",
    "idcard",
    "id-card",
    "id card",
    "identity",
    "passport",
    "nino",
    "dni",
    "nie",
    "nif",
    "nir",
    "bsn",
    "burgerservicenummer",
    "pesel",
    "codice",
    "cpf",
    "kimlik",
    "personnummer",
    "rodn", // rodné číslo
    "身份证",
    "주민등록번호",
];

/// The word lists the conditions ask about, each a bit of what `mentioned` returns.
const WORD_LISTS: [&[&str]; 9] = [
    &ASSIGNMENT_WORDS,
    &USERNAME_CUES,
    &BIRTH_CUES,
    &USER_ID_WORDS,
    &SSN_CUES,
    &NATIONAL_ID_CUES,
    &DEVICE_WORDS,
    &ADDRESS_CUES,
    &["iban"],
];
const ASSIGNMENT: u16 = 1;
const USERNAME: u16 = 1 << 1;
const BIRTH: u16 = 1 << 2;
const USER_ID_WORD: u16 = 1 << 3;
const SSN_CUE: u16 = 1 << 4;
const NATIONAL_ID: u16 = 1 << 5;
const DEVICE: u16 = 1 << 6;
const ADDRESS: u16 = 1 << 7;
const IBAN_WORD: u16 = 1 << 8;

/// Every word of every list in one automaton (ASCII case ignored), with the lists it is in.
static WORDS: LazyLock<(AhoCorasick, Vec<u16>)> = LazyLock::new(|| {
    let mut words: Vec<(&str, u16)> = Vec::new();
    for (i, list) in WORD_LISTS.iter().enumerate() {
        for &word in list.iter() {
            match words.iter_mut().find(|(known, _)| *known == word) {
                Some((_, lists)) => *lists |= 1 << i,
                None => words.push((word, 1 << i)),
            }
        }
    }
    let automaton = AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(words.iter().map(|(word, _)| word))
        .expect("plain words");
    (automaton, words.into_iter().map(|(_, lists)| lists).collect())
});

/// The characters beyond ASCII that Python turns into ASCII letters: `lower`, `upper` or
/// `casefold` (ß, the ligatures ﬀ to ﬆ, İ) or `re` ignoring case (ı, ſ, the Kelvin sign). In a text
/// holding none, every ASCII letter a detector's words could match is one of the text's own.
/// `tests/test_detector_gates.py` derives the list from Python over every code point.
pub const FOLDS_TO_ASCII: [char; 20] = [
    '\u{df}', '\u{130}', '\u{131}', '\u{149}', '\u{17f}', '\u{1f0}', '\u{1e96}', '\u{1e97}', '\u{1e98}', '\u{1e99}',
    '\u{1e9a}', '\u{1e9e}', '\u{212a}', '\u{fb00}', '\u{fb01}', '\u{fb02}', '\u{fb03}', '\u{fb04}', '\u{fb05}',
    '\u{fb06}',
];

/// Whether ``text`` holds a character of `FOLDS_TO_ASCII` (a scan of its characters beyond ASCII).
fn folds_to_ascii(text: &str) -> bool {
    !text.is_ascii() && text.chars().any(|c| !c.is_ascii() && FOLDS_TO_ASCII.contains(&c))
}

/// Of `FOLDS_TO_ASCII`, those `re` matches to an ASCII letter ignoring case (ı and İ to i, ſ to s,
/// the Kelvin sign to k): in a text holding none, a pattern's ASCII words ignoring case are
/// there only where they are ignoring ASCII case.
pub const IGNORING_CASE_TO_ASCII: [char; 4] = ['\u{131}', '\u{130}', '\u{17f}', '\u{212a}'];

/// The lists that hold a part of every spelling of their detectors' words but in ASCII case: in
/// text beyond ASCII without a character of `FOLDS_TO_ASCII`, searched as in ASCII text. Not the
/// device names (read case-folded) nor the IBAN word (the IBAN test reads such text whole).
const WHOLE: u16 = ASSIGNMENT | USERNAME | BIRTH | USER_ID_WORD | SSN_CUE | NATIONAL_ID | ADDRESS;

/// The lists (`WORD_LISTS` bits) with a word in ``text``, ignoring ASCII case, in one pass.
fn mentioned(text: &str) -> u16 {
    let (automaton, lists) = &*WORDS;
    automaton.find_overlapping_iter(text).fold(0, |found, m| found | lists[m.pattern().as_usize()])
}

/// Whether ``text`` holds a word of a device (`DEVICE_WORDS`, ignoring ASCII case): in text
/// without a character of `FOLDS_TO_ASCII`, `_DEVICE_GATE` finds none where it holds none.
pub(crate) fn names_a_device(text: &str) -> bool {
    mentioned(text) & DEVICE != 0
}

/// The street words of the address detector's own gate (`names._street_gate`): a street word
/// of three letters or more is one of `stems`, or a word ending in one of `endings` (a street
/// type glued to its name, Hauptstraße); a shorter one ("St.", "ul.") starts with one of
/// `short_runs`. Each a lower-case run of letters. And the looser forms (`_screen.looser`) of
/// the address patterns, which read ASCII text: one of them matches wherever an address is.
pub struct Streets {
    /// Of `_ADDRESS_CUE` (None: it has none), and of the patterns of a house number next to a
    /// street (`_NUMBER_FIRST`, `_NUMBER_LAST`, `_POSTAL_AFTER`; none: not asked).
    cue: Option<Py<Pattern>>,
    forms: Vec<Py<Pattern>>,
    /// The stems and the short runs: a word that is one of them is a street word.
    words: HashSet<Vec<u8>>,
    /// The lengths of the shortest and the longest of `words`: no other word is one of them.
    lengths: std::ops::RangeInclusive<usize>,
    endings: Vec<Vec<u8>>,
    /// The last bytes of the endings: a word ending in another byte ends in none of them.
    ending_bytes: [bool; 256],
    /// The gate's words as text beyond ASCII is searched for them (None: such text passes).
    beyond: Option<Beyond>,
}

/// `_mentions_street` of text beyond ASCII: a run of letters (`[^\W\d_]`) of the text's
/// `lower()` (Python's, both by the letters table) that is a stem or ends in a glued street type
/// without being one; else a short street word, which `(?i)` finds in the text itself between
/// characters that are not `\w`: one there ignoring ASCII case, or (conservatively) any text
/// holding a character that folds into an ASCII letter.
pub struct Beyond {
    stems: HashSet<String>,
    endings: Vec<String>,
    shorts: AhoCorasick,
    letters: Py<Letters>,
}

impl Beyond {
    /// The stems and glued endings (lower case) and the short street words (`St.`, `c/`).
    pub fn new(stems: &[String], endings: &[String], shorts: &[String], letters: Py<Letters>) -> Self {
        Beyond {
            stems: stems.iter().cloned().collect(),
            endings: endings.to_vec(),
            shorts: AhoCorasick::builder().ascii_case_insensitive(true).build(shorts).expect("plain words"),
            letters,
        }
    }
}

impl Streets {
    /// Each word in lower case, as `mentioned` compares them; the looser forms as Python made them.
    pub fn new(
        stems: Vec<String>, short_runs: Vec<String>, endings: Vec<String>, cue: Option<Py<Pattern>>,
        forms: Vec<Py<Pattern>>,
    ) -> Self {
        let lower = |words: Vec<String>| words.into_iter().map(|w| w.to_lowercase().into_bytes());
        let endings: Vec<Vec<u8>> = lower(endings).collect();
        let mut ending_bytes = [false; 256];
        for ending in &endings {
            if let Some(&last) = ending.last() {
                ending_bytes[usize::from(last)] = true;
            }
        }
        let words: HashSet<Vec<u8>> = lower(stems).chain(lower(short_runs)).collect();
        let lengths = words.iter().map(Vec::len).min().unwrap_or(1)..=words.iter().map(Vec::len).max().unwrap_or(0);
        Streets { cue, forms, words, lengths, endings, ending_bytes, beyond: None }
    }

    /// These street words, read in text beyond ASCII too.
    pub fn reading_beyond(self, beyond: Beyond) -> Self {
        Streets { beyond: Some(beyond), ..self }
    }

    /// Whether `_mentions_street` may find a street word in ``text``, beyond ASCII (`Beyond`).
    fn mentioned_beyond(&self, text: &str) -> bool {
        let Some(beyond) = &self.beyond else { return true };
        let letters = beyond.letters.get();
        let Some(lower) = letters.lower(text) else { return true }; // a character the table leaves out
        let word = |c: Option<char>| c.is_some_and(|c| if c.is_ascii() { word(c as u8) } else { letters.is(c, WORD) });
        let street = |run: &str| {
            beyond.stems.contains(run)
                || (beyond.endings.iter().any(|ending| run.ends_with(ending.as_str()))
                    && !beyond.endings.iter().any(|ending| ending == run))
        };
        letters.runs(&lower, NAME, 1).any(street)
            || folds_to_ascii(text)
            || beyond
                .shorts
                .find_overlapping_iter(text)
                .any(|m| !word(text[..m.start()].chars().next_back()) && !word(text[m.end()..].chars().next()))
    }

    /// Whether a run of ASCII letters of ``text``, lower-cased, is a street word as the gate
    /// reads them: one of the stems or short runs, or ending in a glued street type without
    /// being one.
    pub(crate) fn mentioned(&self, text: &str) -> bool {
        let mut run = Vec::with_capacity(32);
        text.as_bytes().split(|b| !b.is_ascii_alphabetic()).filter(|word| !word.is_empty()).any(|word| {
            let (sized, ends) = (
                self.lengths.contains(&word.len()),
                self.ending_bytes[usize::from(word[word.len() - 1].to_ascii_lowercase())],
            );
            if !sized && !ends {
                return false; // neither one of the words nor ending in a street type
            }
            run.clear();
            run.extend(word.iter().map(u8::to_ascii_lowercase));
            (sized && self.words.contains(&run))
                || (ends && self.endings.iter().any(|ending| run.ends_with(ending)) && !self.endings.contains(&run))
        })
    }
}

/// What `_PHONE` reads a number from: digits, `+`, parentheses and its separators.
fn in_phone_run(byte: u8) -> bool {
    byte.is_ascii_digit() || b"()+ .-/".contains(&byte)
}

/// Whether `_PHONE` could match a number of seven digits or more in ASCII ``text``. A match lies
/// within a run of `in_phone_run` bytes. It starts at a `+`, `(` or digit with no word
/// character nor one of `+/.:-` before it: at the start of a run, or after a space or a
/// parenthesis in it. It ends where its lookahead allows: before a space, parenthesis, `+`
/// or a `.` that no digit follows, or at the run's end before anything but a word character
/// or `:`, unless an extension (`x`, `ext`) may follow there. So the digits between a run's
/// first start and its last end are the most any match of the run holds.
fn phone_run(text: &[u8]) -> bool {
    let mut i = 0;
    while i < text.len() {
        if !in_phone_run(text[i]) {
            i += 1;
            continue;
        }
        let end = i + text[i..].iter().position(|&b| !in_phone_run(b)).unwrap_or(text.len() - i);
        let may_start = |k: usize| {
            b"+(0123456789".contains(&text[k])
                && if k == i {
                    k == 0 || !(word(text[k - 1]) || text[k - 1] == b':')
                } else {
                    b" ()".contains(&text[k - 1])
                }
        };
        let may_end = |k: usize| match text.get(k) {
            _ if k < end => {
                b" ()+".contains(&text[k]) || (text[k] == b'.' && !text.get(k + 1).is_some_and(u8::is_ascii_digit))
            }
            None => true,
            Some(&next) => !(word(next) || next == b':') || next == b'x' || next == b'e',
        };
        if let (Some(first), Some(last)) = ((i..end).find(|&k| may_start(k)), (i + 1..=end).rev().find(|&k| may_end(k)))
        {
            if last > first && text[first..last].iter().filter(|b| b.is_ascii_digit()).count() >= 7 {
                return true;
            }
        }
        i = end;
    }
    false
}

/// `_BARE_NUMBER`'s whole-value test on ASCII ``text``: 7 to 15 digits, perhaps after a `+`,
/// with whitespace (Python's, `\x1c`-`\x1f` included) around.
fn bare_number(text: &[u8]) -> bool {
    let start = text.iter().position(|&b| !space(b)).unwrap_or(text.len());
    let end = text.iter().rposition(|&b| !space(b)).map_or(start, |k| k + 1);
    let number = text[start..end].strip_prefix(b"+").unwrap_or(&text[start..end]);
    (7..=15).contains(&number.len()) && number.iter().all(u8::is_ascii_digit)
}

/// What the conditions count in a text, in one pass over its bytes.
pub(crate) struct Counts {
    /// Decimal digits: ASCII ones in ASCII text, else every numeric character (a superset of
    /// Python's decimals).
    digits: usize,
    dots: usize,
    colons: usize,
    dashes: usize,
}

impl Counts {
    /// ``text``'s counts.
    pub(crate) fn of(text: &str) -> Counts {
        let mut counts = Counts { digits: 0, dots: 0, colons: 0, dashes: 0 };
        for &byte in text.as_bytes() {
            match byte {
                b'0'..=b'9' => counts.digits += 1,
                b'.' => counts.dots += 1,
                b':' => counts.colons += 1,
                b'-' => counts.dashes += 1,
                _ => {}
            }
        }
        if !text.is_ascii() {
            counts.digits = text.chars().filter(|c| c.is_numeric()).count();
        }
        counts
    }
}

/// The substrings the conditions look for, each searcher built once.
static FINDERS: LazyLock<[memmem::Finder<'static>; 5]> =
    LazyLock::new(|| ["eyJ", "-----BEGIN ", "://", "%40", "::"].map(memmem::Finder::new));
/// `FINDERS`' indices.
const JWT_START: usize = 0;
const PEM_START: usize = 1;
const SCHEME_END: usize = 2;
const ENCODED_AT: usize = 3;
const IPV6_GAP: usize = 4;

fn holds(text: &str, finder: usize) -> bool {
    FINDERS[finder].find(text.as_bytes()).is_some()
}

/// `detectors._may_hold_ip`: IPv4 needs three dots and four digits, IPv6 `::` or seven colons,
/// and then the gate pattern.
pub(crate) fn may_hold_ip(text: &str, counts: &Counts) -> bool {
    ((counts.dots >= 3 && counts.digits >= 4) || (counts.colons >= 2 && holds(text, IPV6_GAP)) || counts.colons >= 7)
        && IP.is_match(text)
}

/// Of the bits in `wanted`, those of the detectors in `PREFILTERED` that may find something in
/// ``text``; a condition is tested only for a bit wanted (the gate asks about its eight detectors
/// only), and a word list or a count only where a condition needs it. Beyond ASCII, the word
/// lists of `WHOLE` are searched as in ASCII text unless a character folds into an ASCII letter
/// (``(?i)`` reads ı as an i), and the others let the text through. The costlier patterns run
/// only where the characters they need are (the separators of an address, a MAC address, a
/// wallet's first digit).
pub fn could_hold(text: &str, streets: &Streets, wanted: u32) -> u32 {
    let ascii = text.is_ascii();
    // a character beyond ASCII that Python's case rules read as an ASCII letter
    let folded = std::cell::OnceCell::new();
    let folds = || *folded.get_or_init(|| folds_to_ascii(text));
    let found = std::cell::OnceCell::new();
    let lists = || match (ascii, folds()) {
        (true, _) => mentioned(text),
        (false, true) => u16::MAX,
        (false, false) => mentioned(text) | !WHOLE,
    };
    let mentions = |list: u16| *found.get_or_init(lists) & list != 0;
    let counts = Counts::of(text);
    let digits = counts.digits;
    let conditions: [&dyn Fn() -> bool; PREFILTERED.len()] = [
        &|| holds(text, JWT_START),
        &|| counts.dashes >= 5 && holds(text, PEM_START),
        &|| API_KEY.is_match(text),
        &|| text.contains('@') && holds(text, SCHEME_END),
        &|| mentions(ASSIGNMENT) && (folds() || text.contains(['=', ':']) || AUTH_VALUE.is_match(text)),
        &|| text.contains('@') || holds(text, ENCODED_AT),
        &|| digits >= 12 && CARD.is_match(text),
        // presidio's pattern takes two ASCII digits after the country, the lower-case one two decimals
        &|| digits >= 2 && (!ascii || IBAN.is_match(text) || (mentions(IBAN_WORD) && LOWER_IBAN.is_match(text))),
        &|| digits >= 9 && (SSN_SEPARATED.is_match(text) || (mentions(SSN_CUE) && NINE_DIGITS.is_match(text))),
        &|| digits >= 5 && mentions(NATIONAL_ID),
        &|| may_hold_ip(text, &counts),
        &|| digits >= 7 && (!ascii || phone_run(text.as_bytes())),
        &|| digits >= 7 && (!ascii || bare_number(text.as_bytes())),
        &|| {
            (counts.colons >= 2 || counts.dashes >= 2)
                && (MAC.is_match(text) || (MAC_PAIRS.is_match(text) && MAC_DOTS.is_match(text)))
        },
        &|| text.len() >= 26 && text.contains(['1', '3']) && CRYPTO.is_match(text),
        &|| mentions(USERNAME),
        &|| digits >= 4 && mentions(BIRTH),
        &|| folds() || ((text.contains('_') || mentions(USER_ID_WORD)) && USER_ID.is_match(text)),
        // a capital, then a lower-case letter or an apostrophe: how every word of a name starts
        &|| {
            text.as_bytes()
                .windows(2)
                .any(|pair| pair[0].is_ascii_uppercase() && (pair[1].is_ascii_lowercase() || pair[1] == b'\''))
                || mentions(DEVICE)
        },
        // a word naming an address before a quote or a colon, or a house number and a street word
        &|| {
            let may = |pattern: &Py<Pattern>| pattern.get().inner.is_match(text);
            if !ascii {
                // the patterns' looser forms read ASCII: here a cue word, or a number, a blank and a street word
                return mentions(ADDRESS)
                    || (text.contains([' ', '\t']) && digits > 0 && streets.mentioned_beyond(text));
            }
            (mentions(ADDRESS) && streets.cue.as_ref().is_none_or(may))
                || (text.contains([' ', '\t'])
                    && digits > 0
                    && streets.mentioned(text)
                    && (streets.forms.is_empty() || streets.forms.iter().any(may)))
        },
    ];
    conditions.iter().enumerate().filter(|&(bit, _)| wanted & (1 << bit) != 0).fold(0, |mask, (bit, holds)| {
        if holds() {
            mask | (1 << bit)
        } else {
            mask
        }
    })
}
