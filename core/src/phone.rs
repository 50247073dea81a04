//! `detectors.detect_phone` on ASCII text, and `detectors._possible_phone` by phonenumbers' own
//! metadata: its parse and `is_possible_number`, step for step, for the numbers the detector
//! hands over (digits, separators and a leading `+`). Where phonenumbers would take a path not
//! replicated here (a transform rule beyond groups and digits, a calling code without its
//! metadata), the answer is None and Python reads the text.

use std::borrow::Cow;
use std::sync::{Arc, Mutex, PoisonError};

use regex::{Captures, Regex};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::python::space;

/// phonenumbers' `_MAX_LENGTH_COUNTRY_CODE`, `_MIN_LENGTH_FOR_NSN` and `_MAX_LENGTH_FOR_NSN`.
const MAX_CODE_DIGITS: usize = 3;
const MIN_NATIONAL: usize = 2;
const MAX_NATIONAL: usize = 17;

/// `_test_number_length`'s verdicts.
#[derive(PartialEq)]
enum Length {
    Possible,
    LocalOnly,
    TooShort,
    TooLong,
    Invalid,
}

/// A `national_prefix_transform_rule`, as `re.sub` expands it.
pub enum Transform {
    /// The plan has none.
    Not,
    /// Literal text and groups of the prefix's match (`9\1`, `\2`).
    Rule(Vec<Piece>),
    /// One beyond those: Python's to expand.
    Unread,
}

pub enum Piece {
    Text(String),
    Group(usize),
}

impl Transform {
    /// ``rule`` read as `re.sub`'s template: a backslash and one digit is a group.
    pub fn new(rule: Option<&str>) -> Transform {
        let Some(rule) = rule.filter(|rule| !rule.is_empty()) else { return Transform::Not };
        let mut pieces = Vec::new();
        let mut chars = rule.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '\\' {
                if !c.is_ascii_alphanumeric() {
                    return Transform::Unread;
                }
                pieces.push(Piece::Text(c.to_string()));
                continue;
            }
            match (chars.next().and_then(|d| d.to_digit(10)), chars.peek()) {
                (Some(group @ 1..=9), next) if !next.is_some_and(char::is_ascii_digit) => {
                    pieces.push(Piece::Group(group as usize));
                }
                _ => return Transform::Unread,
            }
        }
        Transform::Rule(pieces)
    }

    /// The template expanded with ``found``'s groups (a group that took no part is empty).
    fn expand(pieces: &[Piece], found: &Captures<'_>) -> String {
        pieces
            .iter()
            .map(|piece| match piece {
                Piece::Text(text) => text.as_str(),
                Piece::Group(group) => found.get(*group).map_or("", |m| m.as_str()),
            })
            .collect()
    }
}

/// The metadata of one calling code's main region, as the parse and the length test read it.
pub struct Plan {
    /// `national_prefix_for_parsing`, matched at the start.
    pub national_prefix: Option<Regex>,
    /// `national_prefix_transform_rule`.
    pub transform: Transform,
    /// The general description's `national_number_pattern`, matched whole.
    pub general: Option<Regex>,
    /// The general description's `possible_length` (never empty) and `possible_length_local_only`.
    pub lengths: Vec<usize>,
    pub local: Vec<usize>,
}

impl Plan {
    /// `_match_national_number(number, general_desc, False)`.
    fn general_matches(&self, number: &str) -> bool {
        self.general.as_ref().is_some_and(|general| general.is_match(number))
    }

    /// `_test_number_length(number, metadata)` for `PhoneNumberType.UNKNOWN`.
    fn length(&self, number: &str) -> Length {
        let len = number.len();
        let (shortest, longest) = (self.lengths[0], self.lengths[self.lengths.len() - 1]);
        if self.local.contains(&len) {
            Length::LocalOnly
        } else if shortest == len {
            Length::Possible
        } else if shortest > len {
            Length::TooShort
        } else if longest < len {
            Length::TooLong
        } else if self.lengths[1..].contains(&len) {
            Length::Possible
        } else {
            Length::Invalid
        }
    }

    /// `_maybe_strip_national_prefix_carrier_code`'s number: the national prefix taken off, or
    /// rewritten by the transform rule, where what is left is a national number or the number
    /// was none; None where the rule is Python's to expand.
    fn strip_national_prefix<'a>(&self, number: &'a str) -> Option<Cow<'a, str>> {
        let Some(prefix) = self.national_prefix.as_ref().filter(|_| !number.is_empty()) else {
            return Some(Cow::Borrowed(number));
        };
        let stripped = match &self.transform {
            Transform::Not => match prefix.find(number) {
                Some(found) => Cow::Borrowed(&number[found.end()..]),
                None => return Some(Cow::Borrowed(number)),
            },
            rule => {
                let Some(found) = prefix.captures(number) else { return Some(Cow::Borrowed(number)) };
                let last = found.len() - 1; // `groups()[num_groups - 1]`, which needs a group
                match rule {
                    _ if last == 0 => return None,
                    Transform::Rule(pieces) if found.get(last).is_some() => {
                        let end = found.get(0).expect("group 0 is the match").end();
                        Cow::Owned(Transform::expand(pieces, &found) + &number[end..])
                    }
                    Transform::Unread if found.get(last).is_some() => return None,
                    _ => Cow::Borrowed(&number[found.get(0).expect("group 0 is the match").end()..]),
                }
            }
        };
        Some(if self.general_matches(number) && !self.general_matches(&stripped) {
            Cow::Borrowed(number)
        } else {
            stripped
        })
    }
}

/// Reads the plan of a calling code's main region; None for one not replicated here.
pub type Load = Box<dyn Fn(u32) -> Option<Plan> + Send + Sync>;

/// phonenumbers' numbering plans, each read when a number first needs it, and the regions
/// `_possible_phone` tries a number without a calling code in.
pub struct Numbering {
    /// `COUNTRY_CODE_TO_REGION_CODE`'s calling codes.
    codes: FxHashSet<u32>,
    /// `_PHONE_REGIONS` in their order: calling code and `international_prefix`, matched at the
    /// start. Each is its calling code's main region, whose plan the parse then reads.
    regions: Vec<(u32, Regex)>,
    /// The plans read so far, by calling code (None: one not replicated here).
    plans: Mutex<FxHashMap<u32, Option<Arc<Plan>>>>,
    load: Load,
}

impl Numbering {
    pub fn new(codes: FxHashSet<u32>, regions: Vec<(u32, Regex)>, load: Load) -> Self {
        Numbering { codes, regions, plans: Mutex::new(FxHashMap::default()), load }
    }

    /// The plan of calling code ``code``, read on first use (a few of the 215 are ever needed).
    fn plan(&self, code: u32) -> Option<Arc<Plan>> {
        if let Some(plan) = self.plans.lock().unwrap_or_else(PoisonError::into_inner).get(&code) {
            return plan.clone();
        }
        let plan = (self.load)(code).map(Arc::new); // outside the lock: reading it may call Python
        self.plans.lock().unwrap_or_else(PoisonError::into_inner).entry(code).or_insert(plan).clone()
    }

    /// `_possible_phone(raw, international)`: whether phonenumbers' parse of ``raw`` (written
    /// internationally, or in one of the regions in turn) gives a possible number. None for a
    /// number beyond what this reads (other characters, a `+` after the start, or at the start
    /// of a number not read as international: `detect_phone` never hands one over), or where
    /// phonenumbers would take a path not replicated here.
    pub fn possible(&self, raw: &str, international: bool) -> Option<bool> {
        let bytes = raw.as_bytes();
        if !bytes.iter().all(|&b| b.is_ascii_digit() || b" .-/()+".contains(&b))
            || bytes.iter().skip(usize::from(international)).any(|&b| b == b'+')
            || bytes.iter().filter(|b| b.is_ascii_digit()).count() < 3
        {
            return None; // beyond what `_PHONE` hands over: not checked to be viable the same way
        }
        if international {
            let written = if let Some(rest) = raw.strip_prefix("00") { format!("+{rest}") } else { raw.to_string() };
            if self.parses_possible(&written, None)? {
                return Some(true);
            }
        }
        if !international || raw.starts_with("00") {
            for region in &self.regions {
                if self.parses_possible(raw, Some(region))? {
                    return Some(true);
                }
            }
        }
        Some(false)
    }

    /// `is_possible_number(parse(text, region))`, False where the parse raises.
    fn parses_possible(&self, text: &str, region: Option<&(u32, Regex)>) -> Option<bool> {
        // `_extract_possible_number`: from the first `+` or digit (the end and the rest are
        // digits and punctuation, which normalizing drops)
        let Some(start) = text.find(|c: char| c == '+' || c.is_ascii_digit()) else { return Some(false) };
        let number = &text[start..];
        let plus = number.starts_with('+');
        let digits: String = number.chars().filter(char::is_ascii_digit).collect();
        let (code, national): (u32, Cow<'_, str>) = match region {
            None if !plus => return Some(false), // `_check_region_for_parsing`
            None => match self.calling_code(&digits) {
                Some((code, national)) => (code, Cow::Owned(national.to_string())),
                None => return Some(false), // too short after the `+`, or no calling code
            },
            Some((code, international_prefix)) => {
                match self.after_international_prefix(&digits, international_prefix) {
                    Some(Some((code, national))) => (code, Cow::Owned(national.to_string())),
                    Some(None) => return Some(false),
                    None => self.national(&digits, *code)?,
                }
            }
        };
        let plan = self.plan(code)?;
        if national.len() < MIN_NATIONAL {
            return Some(false);
        }
        let stripped = plan.strip_national_prefix(&national)?;
        let national = match plan.length(&stripped) {
            Length::TooShort | Length::LocalOnly | Length::Invalid => national,
            Length::Possible | Length::TooLong => stripped,
        };
        if national.len() > MAX_NATIONAL {
            return Some(false);
        }
        Some(matches!(plan.length(&national), Length::Possible | Length::LocalOnly))
    }

    /// `_extract_country_code` of digits after a `+` or an international prefix, which the
    /// parse refuses when they are two or fewer: the calling code and the national number.
    fn calling_code<'a>(&self, digits: &'a str) -> Option<(u32, &'a str)> {
        if digits.len() <= MIN_NATIONAL || digits.starts_with('0') {
            return None;
        }
        (1..=digits.len().min(MAX_CODE_DIGITS)).find_map(|n| {
            let code: u32 = digits[..n].parse().ok()?;
            self.codes.contains(&code).then(|| (code, &digits[n..]))
        })
    }

    /// `_parse_prefix_as_idd` and what the parse makes of the rest: None where the region's
    /// international prefix does not start the digits (or a 0 follows it); else the calling code
    /// and national number, or None within where the parse raises.
    fn after_international_prefix<'a>(&self, digits: &'a str, prefix: &Regex) -> Option<Option<(u32, &'a str)>> {
        let found = prefix.find(digits)?;
        let rest = &digits[found.end()..];
        if rest.starts_with('0') {
            return None;
        }
        Some(self.calling_code(rest))
    }

    /// A number written without a calling code, in the region whose code is ``code``: the
    /// region's code taken off its start where `_maybe_extract_country_code` takes it, else
    /// the whole number. None where the region's plan is Python's to read.
    fn national<'a>(&self, digits: &'a str, code: u32) -> Option<(u32, Cow<'a, str>)> {
        let plan = self.plan(code)?;
        let written = code.to_string();
        if let Some(rest) = digits.strip_prefix(written.as_str()) {
            let rest = plan.strip_national_prefix(rest)?;
            if (!plan.general_matches(digits) && plan.general_matches(&rest)) || plan.length(digits) == Length::TooLong
            {
                return Some((code, rest));
            }
        }
        Some((code, Cow::Borrowed(digits)))
    }
}

/// `_PHONE` as Rust's engine reads ASCII text, without its lookarounds: a digit group alone
/// needs the separator before it (`(?<=[ .\-/])\d`, as no group ends in one), and what may follow
/// a number (`(?![\w/:-]|\.\d)`) is matched after it, so that the engine's leftmost-first match
/// is the one Python's backtracking finds; group 1 is the number. The lookbehind at its start
/// is tested by `Phones::spans`.
const CANDIDATE: &str = concat!(
    r"((?:\+|00)?(?:\([0-9]{1,5}\)|[0-9]{1,4})",
    r"(?:[ ./-](?:\([0-9]{1,5}\)[0-9]{0,5}|[0-9]{2,5}|[0-9])|(?:\([0-9]{1,5}\)[0-9]{0,5}|[0-9]{2,5})){1,6}",
    r"(?:[\t\n\x0B\x0C\r\x1C-\x1F ]?(?:x|ext\.?)[\t\n\x0B\x0C\r\x1C-\x1F ]?[0-9]{1,5})?)",
    r"(?:\z|[^A-Za-z0-9_/:.\-]|\.(?:\z|[^0-9]))"
);

/// `detect_phone`'s patterns, as Rust's engine reads ASCII text, and the numbering plans.
pub struct Phones {
    candidate: Regex,
    /// `_PHONE_CUE`, searched; `_DATE_LIKE` and `_NANP`, matched whole; `_GROUPED`, searched.
    cue: Regex,
    date_like: Regex,
    nanp: Regex,
    grouped: Regex,
    pub numbering: Numbering,
}

/// What `str.strip()` leaves of ASCII text.
fn strip(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_ascii() && space(c as u8))
}

impl Phones {
    /// The detector's patterns in Python's syntax (as they read ASCII text) and the plans.
    pub fn new(
        cue: &str, date_like: &str, nanp: &str, grouped: &str, numbering: Numbering,
    ) -> Result<Self, regex::Error> {
        let whole = |source: &str| Regex::new(&format!(r"\A(?:{source})\z"));
        Ok(Phones {
            candidate: Regex::new(CANDIDATE)?,
            cue: Regex::new(cue)?,
            date_like: whole(date_like)?,
            nanp: whole(nanp)?,
            grouped: Regex::new(grouped)?,
            numbering,
        })
    }

    /// The spans `detect_phone` finds in ASCII ``text``; None for other text, and where a number's
    /// possibility is Python's to tell.
    pub fn spans(&self, text: &str) -> Option<Vec<(usize, usize)>> {
        if !text.is_ascii() {
            return None;
        }
        let bytes = text.as_bytes();
        if bytes.iter().filter(|b| b.is_ascii_digit()).count() < 7 {
            return Some(Vec::new());
        }
        let mut cued = None;
        let mut spans = Vec::new();
        let mut at = 0;
        while let Some(found) = self.candidate.captures_at(text, at) {
            let number = found.get(1).expect("group 1 takes part in every match");
            let start = number.start();
            if start > 0 && (crate::python::word(bytes[start - 1]) || b"+/.:-".contains(&bytes[start - 1])) {
                at = start + 1; // `(?<![\w+/.:-])`: the scan goes on from the next position
                continue;
            }
            at = number.end();
            let raw = number.as_str().trim_end_matches(|c: char| space(c as u8));
            let core = raw.split('x').next().unwrap_or_default();
            let digits = core.bytes().filter(u8::is_ascii_digit).count();
            if !(7..=15).contains(&digits) || self.date_like.is_match(raw) {
                continue;
            }
            let international = raw.starts_with('+') || raw.starts_with("00");
            if !(international || self.nanp.is_match(strip(core)) || raw.contains('(')) {
                let cued = *cued.get_or_insert_with(|| self.cue.is_match(text));
                let near_cue = cued && self.cue.find_at(&text[..start], start.saturating_sub(40)).is_some();
                let grouped = self.grouped.is_match(core);
                let whole = strip(&text[..start]).is_empty() && strip(&text[start + raw.len()..]).is_empty();
                if !(near_cue
                    || (whole && grouped)
                    || (cued && (grouped || core.contains('.') || core.starts_with('0'))))
                {
                    continue;
                }
            }
            if self.numbering.possible(core, international)? {
                spans.push((start, start + raw.len()));
            }
        }
        Some(spans)
    }
}
