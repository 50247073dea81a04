//! `detectors.detect_ssn` on ASCII text: presidio's SSN patterns (handed over from presidio, run
//! as `detectors._matcher` runs them on ASCII text), its `invalidate_result`, its removal of a
//! result inside a better one, then the detector's own test of each span's shape.

use crate::pattern::Pattern;
use crate::prefilter::{NINE_DIGITS, SSN_CUES, SSN_SEPARATED};

/// presidio's `UsSsnRecognizer.invalidate_result`.
fn invalidated(candidate: &[u8]) -> bool {
    let mut delimiters = candidate.iter().filter(|b| matches!(b, b'.' | b'-' | b' '));
    let first = delimiters.next();
    if delimiters.any(|b| Some(b) != first) {
        return true; // mismatched delimiters
    }
    let digits: Vec<u8> = candidate.iter().copied().filter(u8::is_ascii_digit).collect();
    let Some(&lead) = digits.first() else {
        return false;
    };
    digits.iter().all(|&d| d == lead)
        || digits.get(3..5) == Some(b"00")
        || digits.get(5..) == Some(b"0000")
        || digits.get(..3).is_some_and(|area| area == b"000" || area == b"666")
        || [&b"123456789"[..], b"987654320", b"078051120"].contains(&digits.as_slice())
}

/// `detectors._not_contained`: a result inside another that scores at least as high goes.
fn not_contained(mut found: Vec<(usize, usize, f64)>) -> Vec<(usize, usize)> {
    found.sort_by(|a, b| {
        (a.0, std::cmp::Reverse(a.1 - a.0)).cmp(&(b.0, std::cmp::Reverse(b.1 - b.0))).then(b.2.total_cmp(&a.2))
    });
    found.dedup();
    let mut kept: Vec<(usize, usize, f64)> = Vec::new();
    for (start, end, score) in found {
        if !kept.iter().any(|&(s, e, sc)| s <= start && end <= e && score <= sc) {
            kept.push((start, end, score));
        }
    }
    let mut spans: Vec<(usize, usize)> = kept.into_iter().map(|(s, e, _)| (s, e)).collect();
    spans.sort_unstable();
    spans
}

/// `\d{3}[- .]\d{2}[- .]\d{4}`, whole.
fn separated(value: &[u8]) -> bool {
    let digits = |range: std::ops::Range<usize>| value[range].iter().all(u8::is_ascii_digit);
    value.len() == 11
        && digits(0..3)
        && matches!(value[3], b'-' | b' ' | b'.')
        && digits(4..6)
        && matches!(value[6], b'-' | b' ' | b'.')
        && digits(7..11)
}

pub struct Ssn {
    /// presidio's patterns, in its order, each with its score.
    pub patterns: Vec<(Pattern, f64)>,
}

impl Ssn {
    /// The spans `detect_ssn` finds in ASCII ``text``.
    pub fn spans(&self, text: &str) -> Vec<(usize, usize)> {
        let bytes = text.as_bytes();
        // `_may_hold_ssn`, whose gate `_SSN_GATE` is a separated number or nine digits in a row
        let digits = bytes.iter().filter(|b| b.is_ascii_digit()).count();
        if digits < 9 || !(SSN_SEPARATED.is_match(text) || NINE_DIGITS.is_match(text)) {
            return Vec::new();
        }
        let lower = text.to_ascii_lowercase();
        let cued = SSN_CUES.iter().any(|cue| lower.contains(cue));
        let mut found = Vec::new();
        for (pattern, score) in &self.patterns {
            for (start, end) in pattern.spans(text) {
                if !invalidated(&bytes[start..end]) && *score > 0.0 {
                    found.push((start, end, *score));
                }
            }
        }
        not_contained(found)
            .into_iter()
            .filter(|&(start, end)| {
                let value = &bytes[start..end];
                separated(value) || (cued && value.len() == 9 && value.iter().all(u8::is_ascii_digit))
            })
            .collect()
    }
}
