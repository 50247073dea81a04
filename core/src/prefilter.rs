//! One pass over a string that rules detectors out before Python calls them. Each condition is
//! implied by its detector's own first test (so a detector it lets through still decides alone,
//! and one it rules out would have found nothing): counts of digits, substrings, and gate
//! patterns with their lookbehinds dropped.

use std::sync::LazyLock;

use regex::Regex;

/// The detectors with a condition, in bit order; the others always run.
pub const PREFILTERED: [&str; 18] = [
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
];

fn pattern(re: &str) -> Regex {
    Regex::new(re).expect("a valid pattern")
}

static API_KEY: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"_(?:live|test)_|gh[pousr]_|github_pat_|AKIA|ASIA|xox|glpat-|AIza|SG\.|npm_|shp|sq0"));
/// presidio's IBAN gate and the lower-case IBAN pattern, with their lookarounds dropped: two
/// letters, two digits, then at least eight letters or digits.
static IBAN: LazyLock<Regex> = LazyLock::new(|| pattern(r"(?i)[a-z]{2}[ -]?\d{2}(?:[ -]?[a-z0-9]){8}"));
static SSN: LazyLock<Regex> = LazyLock::new(|| pattern(r"\d{3}[- .]\d{2}[- .]\d{4}|\d{9}"));
static IP: LazyLock<Regex> = LazyLock::new(|| pattern(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d|::|(?:[0-9a-fA-F]{1,4}:){7}"));
static MAC: LazyLock<Regex> = LazyLock::new(|| pattern(r"[0-9A-Fa-f]{2}[:-][0-9A-Fa-f]{2}[:-][0-9A-Fa-f]{2}"));
static CRYPTO: LazyLock<Regex> = LazyLock::new(|| pattern(r"(?:bc1|[13])[a-zA-HJ-NP-Z0-9]{25,}"));
static USER_ID: LazyLock<Regex> = LazyLock::new(|| pattern(r"(?i-u)_[a-z0-9]{8}|user|customer|member|account"));

const ASSIGNMENT_WORDS: [&str; 10] =
    ["auth", "basic", "bearer", "token", "pass", "pwd", "secret", "key", "sid", "session"];
const USERNAME_CUES: [&str; 7] = ["log", "sign", "authenticated", "user=", "username=", "uname=", "<"];
const BIRTH_CUES: [&str; 10] =
    ["dob", "d.o.b", "born", "birth", "geb", "nacimiento", "nascita", "nascimento", "naissance", "urodzenia"];
const USER_ID_WORDS: [&str; 4] = ["user", "customer", "member", "account"];

/// The bits of the detectors in `PREFILTERED` that may find something in ``text``. Case-free
/// word tests hold for ASCII text only (``(?i)`` folds some other letters into ASCII ones), so
/// they let every other text through.
pub fn could_hold(text: &str) -> u32 {
    let ascii = text.is_ascii();
    let lower = if ascii { text.to_ascii_lowercase() } else { String::new() };
    let mentions = |words: &[&str]| !ascii || words.iter().any(|w| lower.contains(w));
    let digits = text.chars().filter(|c| c.is_numeric()).count(); // a superset of Python's decimals
    let conditions = [
        text.contains("eyJ"),
        text.contains("-----BEGIN "),
        API_KEY.is_match(text),
        text.contains("://") && text.contains('@'),
        mentions(&ASSIGNMENT_WORDS),
        text.contains('@') || text.contains("%40"),
        digits >= 12,
        !ascii || (digits >= 2 && IBAN.is_match(text)),
        digits >= 9 && SSN.is_match(text),
        digits >= 5,
        IP.is_match(text),
        digits >= 7,
        digits >= 7,
        MAC.is_match(text),
        CRYPTO.is_match(text),
        mentions(&USERNAME_CUES),
        digits >= 4 && mentions(&BIRTH_CUES),
        !ascii || ((text.contains('_') || mentions(&USER_ID_WORDS)) && USER_ID.is_match(text)),
    ];
    conditions.iter().enumerate().fold(0, |mask, (bit, &holds)| if holds { mask | (1 << bit) } else { mask })
}
