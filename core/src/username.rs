//! `detectors.detect_username`'s `_USERNAME` on ASCII text, by Rust's engine: the login name
//! each match holds. Its one lookahead (a name followed by "logged", "signed", ...) is matched
//! as part of the pattern here, and the scan goes on from the name's end, where `re.finditer`
//! goes on from the match's: the name's class holds no quote or space, so only the whole run
//! of name characters can be followed by the cue, and matching it changes no match.

use std::sync::LazyLock;

use regex::Regex;

/// `_USERNAME` without its lookahead, for ASCII text only (`(?-u)`: ASCII classes, word
/// boundaries and case folding, which read ASCII text as Python's Unicode ones do; Unicode
/// classes repeated 64 times would make too big a program). Its negated classes are spelled out
/// in ASCII: `[^<>]`, and `[^<>\s]`, where Python's `\s` holds `\t`-`\r`, `\x1c`-`\x1f` and space.
static USERNAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?-u)",
        r"<(?:User|Customer|Account|Member|Profile|Person)\w{0,20}: ",
        r"(?P<repr>[\x00-\x08\x0e-\x1b\x21-\x3b\x3d\x3f-\x7f][\x00-\x3b\x3d\x3f-\x7f]{0,63})>",
        r"|(?i:\buser(?:name)? ['\x22]?)(?P<subject>[\w.@+-]{2,64})",
        r"['\x22]? (?i:logged|signed|authenticated|failed (?:to )?(?:log|sign|authenticat))",
        r"|(?i:\b(?:user(?:name)?|uname)=)(?P<assigned>[\w.@+-]{2,64})",
        r"|(?i:\b(?:log(?:ged)?[ -]?in|sign(?:ed)?[ -]?in|logon|authenticated|login \w+|sign-in \w+)",
        r" (?:for|as|by) (?:user )?['\x22]?)(?P<cued>[\w.@+-]{2,64})",
    ))
    .expect("a valid pattern")
});

/// (start, end) of the name in each match of `_USERNAME` in ASCII `text`, in order.
pub fn username_spans(text: &str) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(captures) = USERNAME.captures_at(text, at) {
        let Some(name) = ["repr", "subject", "assigned", "cued"].iter().find_map(|group| captures.name(group)) else {
            break; // every branch captures its name
        };
        found.push((name.start(), name.end()));
        // re.finditer goes on where the match ends: the subject's match ends at the lookahead
        at = if captures.name("subject").is_some() {
            name.end()
        } else {
            captures.get(0).map_or(text.len(), |m| m.end())
        };
    }
    found
}
