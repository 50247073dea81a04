//! The IP address fake: every address in a value faked in place, with the version, the private or
//! public class and the text form kept. Parsing, classes and formatting are those of Python 3.11's
//! `ipaddress`, so the fakes are the ones the pure-Python generator drew.

use std::sync::LazyLock;

use regex::Regex;

use crate::classes::charclass;
use crate::mt::Mt;

/// The first digit (0) of each run of ten that Python 3.11's `\d` matches (Unicode 14's decimal
/// digits, from `unicodedata`). Rust's `\d` knows later Unicode versions' digits too, and an
/// address followed by one would be swallowed into a longer match that parses as no address.
const PYTHON_DIGIT_ZEROS: [u32; 66] = [
    0x30, 0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66, 0xde6, 0xe50, 0xed0,
    0xf20, 0x1040, 0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90, 0x1b50, 0x1bb0, 0x1c40, 0x1c50, 0xa620,
    0xa8d0, 0xa900, 0xa9d0, 0xa9f0, 0xaa50, 0xabf0, 0xff10, 0x104a0, 0x10d30, 0x11066, 0x110f0, 0x11136, 0x111d0,
    0x112f0, 0x11450, 0x114d0, 0x11650, 0x116c0, 0x11730, 0x118e0, 0x11950, 0x11c50, 0x11d50, 0x11da0, 0x16a60,
    0x16ac0, 0x16b50, 0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec, 0x1d7f6, 0x1e140, 0x1e2f0, 0x1e950, 0x1fbf0,
];

static IP_IN_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    let digit: String = PYTHON_DIGIT_ZEROS.iter().map(|z| format!("\\x{{{z:x}}}-\\x{{{:x}}}", z + 9)).collect();
    let pattern = r"D{1,3}(?:\.D{1,3}){3}|(?:[0-9A-Fa-f]{0,4}:){2,7}(?:D{1,3}(?:\.D{1,3}){3}|[0-9A-Fa-f]{1,4})?";
    Regex::new(&pattern.replace('D', &format!("[{digit}]"))).expect("a valid pattern")
});

/// `ipaddress`'s IPv4 private networks (3.11), as (network, prefix length).
const PRIVATE_V4: [(u32, u32); 14] = [
    (0x0000_0000, 8),
    (0x0A00_0000, 8),
    (0x7F00_0000, 8),
    (0xA9FE_0000, 16),
    (0xAC10_0000, 12),
    (0xC000_0000, 29),
    (0xC000_00AA, 31),
    (0xC000_0200, 24),
    (0xC0A8_0000, 16),
    (0xC612_0000, 15),
    (0xC633_6400, 24),
    (0xCB00_7100, 24),
    (0xF000_0000, 4),
    (0xFFFF_FFFF, 32),
];
/// Ranges a private address's fake stays in: 10/8, 172.16/12, 192.168/16 and CGNAT's 100.64/10.
const FAKE_RANGES_V4: [(u32, u32); 4] = [(0x0A00_0000, 8), (0xAC10_0000, 12), (0xC0A8_0000, 16), (0x6440_0000, 10)];
const PRIVATE_V6: [(u128, u32); 10] = [
    (1, 128),
    (0, 128),
    (0xffff_0000_0000, 96),
    (0x0100 << 112, 64),
    (0x2001 << 112, 23),
    ((0x2001 << 112) | (0x0002 << 96), 48),
    ((0x2001 << 112) | (0x0db8 << 96), 32),
    ((0x2001 << 112) | (0x0010 << 96), 28),
    (0xfc00 << 112, 7),
    (0xfe80 << 112, 10),
];

fn in_v4(address: u32, (net, len): (u32, u32)) -> bool {
    len == 0 || address >> (32 - len) == net >> (32 - len)
}

fn in_v6(address: u128, (net, len): (u128, u32)) -> bool {
    address >> (128 - len) == net >> (128 - len)
}

fn v4_is_global(address: u32) -> bool {
    !in_v4(address, (0x6440_0000, 10)) && !PRIVATE_V4.iter().any(|&n| in_v4(address, n))
}

fn v6_is_private(address: u128) -> bool {
    match mapped(address) {
        Some(v4) => PRIVATE_V4.iter().any(|&n| in_v4(v4, n)),
        None => PRIVATE_V6.iter().any(|&n| in_v6(address, n)),
    }
}

fn mapped(address: u128) -> Option<u32> {
    (address >> 32 == 0xFFFF).then_some(address as u32)
}

enum Ip {
    V4(u32),
    V6(u128),
}

/// `ipaddress.ip_address(text)`: IPv4 first, then IPv6; `None` where it raises.
fn parse(text: &str) -> Option<Ip> {
    parse_v4(text).map(Ip::V4).or_else(|| parse_v6(text).map(Ip::V6))
}

pub(crate) fn parse_v4(text: &str) -> Option<u32> {
    let octets: Vec<&str> = text.split('.').collect();
    if octets.len() != 4 {
        return None;
    }
    octets.iter().try_fold(0u32, |acc, octet| {
        let valid = !octet.is_empty()
            && octet.len() <= 3
            && octet.bytes().all(|b| b.is_ascii_digit())
            && (*octet == "0" || !octet.starts_with('0'));
        let value: u32 = if valid { octet.parse().ok()? } else { return None };
        (value <= 255).then_some((acc << 8) | value)
    })
}

fn parse_v6(text: &str) -> Option<u128> {
    let mut parts: Vec<String> = text.split(':').map(str::to_owned).collect();
    if parts.len() < 3 {
        return None;
    }
    if parts[parts.len() - 1].contains('.') {
        let v4 = parse_v4(&parts.pop().expect("three parts"))?;
        parts.push(format!("{:x}", v4 >> 16));
        parts.push(format!("{:x}", v4 & 0xFFFF));
    }
    if parts.len() > 9 {
        return None;
    }
    let mut skip = None;
    for (i, part) in parts.iter().enumerate().take(parts.len() - 1).skip(1) {
        if part.is_empty() {
            if skip.is_some() {
                return None;
            }
            skip = Some(i);
        }
    }
    let (mut hi, mut lo, skipped) = match skip {
        Some(i) => (i, parts.len() - i - 1, 0),
        None if parts.len() != 8 || parts[0].is_empty() || parts[7].is_empty() => return None,
        None => (8, 0, 0),
    };
    let mut skipped = skipped;
    if skip.is_some() {
        if parts[0].is_empty() {
            hi -= 1;
            if hi > 0 {
                return None;
            }
        }
        if parts[parts.len() - 1].is_empty() {
            lo -= 1;
            if lo > 0 {
                return None;
            }
        }
        skipped = 8usize.checked_sub(hi + lo).filter(|&s| s >= 1)?;
    }
    let hextet = |s: &str| -> Option<u128> {
        (s.len() <= 4 && s.bytes().all(|b| b.is_ascii_hexdigit())).then(|| u128::from_str_radix(s, 16).ok())?
    };
    let mut value = 0u128;
    for part in &parts[..hi] {
        value = (value << 16) | hextet(part)?;
    }
    value <<= 16 * skipped as u32;
    for part in &parts[parts.len() - lo..] {
        value = (value << 16) | hextet(part)?;
    }
    Some(value)
}

fn v4_text(address: u32) -> String {
    let [a, b, c, d] = address.to_be_bytes();
    format!("{a}.{b}.{c}.{d}")
}

/// `IPv6Address.compressed`: the first longest run of two or more zero groups becomes `::`.
fn v6_compressed(address: u128) -> String {
    let groups: Vec<u16> = (0..8).rev().map(|i| (address >> (16 * i)) as u16).collect();
    let (mut best, mut best_len, mut start, mut len) = (0, 0, 0, 0);
    for (i, &g) in groups.iter().enumerate() {
        if g == 0 {
            if len == 0 {
                start = i;
            }
            len += 1;
            if len > best_len {
                (best, best_len) = (start, len);
            }
        } else {
            len = 0;
        }
    }
    let hex = |gs: &[u16]| gs.iter().map(|g| format!("{g:x}")).collect::<Vec<_>>().join(":");
    if best_len > 1 {
        format!("{}::{}", hex(&groups[..best]), hex(&groups[best + best_len..]))
    } else {
        hex(&groups)
    }
}

fn v6_exploded(address: u128) -> String {
    (0..8).rev().map(|i| format!("{:04x}", (address >> (16 * i)) as u16)).collect::<Vec<_>>().join(":")
}

/// Same class: a private address stays in its private range, a public one public; a
/// documentation, link-local or reserved one stays in its /24.
fn fake_v4(address: u32, rng: &mut Mt) -> Option<u32> {
    let private = FAKE_RANGES_V4.iter().copied().find(|&n| in_v4(address, n));
    let global = v4_is_global(address);
    let range = private.or((!global).then_some((address & !0xFF, 24)));
    for attempt in 0..1000 {
        let candidate = match range {
            Some((net, len)) => {
                let base = net & (u32::MAX << (32 - len));
                base + 1 + rng.below((1u128 << (32 - len)) - 2) as u32
            }
            None => (1 << 24) + rng.below((224u128 << 24) - (1 << 24)) as u32,
        };
        if candidate != address && (private.is_some() || v4_is_global(candidate) == global || attempt > 100) {
            return Some(candidate);
        }
    }
    None // no other address in its range: the caller redraws the value whole
}

fn fake_one(ip: Ip, text: &str, rng: &mut Mt) -> Option<String> {
    match ip {
        Ip::V4(0) | Ip::V6(0) => Some(text.to_owned()), // unspecified: names no host
        Ip::V4(address) => fake_v4(address, rng).map(v4_text),
        Ip::V6(1) => fake_v4(0x7F00_0001, rng).map(|v4| format!("::ffff:{}", v4_text(v4))), // loopback stays loopback
        Ip::V6(address) => {
            if let Some(v4) = mapped(address) {
                let fake = fake_v4(v4, rng)?;
                if text.ends_with(|c: char| c.is_ascii_digit()) && text.rsplit(':').next()?.contains('.') {
                    return Some(format!("{}{}", &text[..=text.rfind(':')?], v4_text(fake)));
                }
                return Some(v6_text(0xFFFF_0000_0000 | u128::from(fake), text));
                // ::ffff:c0a8:105
            }
            let candidate = if v6_is_private(address) || in_v6(address, (0xfe80 << 112, 10)) {
                (address >> 64 << 64) | rng.getrandbits(64)
            } else {
                let low = rng.getrandbits(124);
                (0x2 << 124) | low | (rng.getrandbits(1) << 124)
            };
            Some(v6_text(candidate, text))
        }
    }
}

/// ``address`` written as ``text`` is: all eight groups or compressed, in its letter case.
fn v6_text(address: u128, text: &str) -> String {
    let out = if text.matches(':').count() == 7 && !text.contains("::") {
        v6_exploded(address)
    } else {
        v6_compressed(address)
    };
    let upper = text.chars().any(char::is_alphabetic) && !text.chars().any(char::is_lowercase);
    if upper {
        out.to_uppercase()
    } else {
        out
    }
}

/// Every address in ``value`` faked in place (a ``host:port``, a CIDR, an ``X-Forwarded-For``
/// list); a value with none is redrawn by `charclass`. `None` where an address has no other
/// address of its class to become (the caller redraws the whole value).
pub fn ip_address(value: &str, rng: &mut Mt) -> Option<String> {
    let mut out = String::with_capacity(value.len());
    if !fake_addresses(value, rng, &mut out)? {
        return Some(charclass(value, rng));
    }
    Some(out)
}

/// ``text`` into ``out`` with every address in it faked; whether there was one. A part of a
/// text between lone surrogates at a time, too: no address spans one.
pub fn fake_addresses(text: &str, rng: &mut Mt, out: &mut String) -> Option<bool> {
    let (mut last, mut found) = (0, false);
    for m in IP_IN_TEXT.find_iter(text) {
        out.push_str(&text[last..m.start()]);
        match parse(m.as_str()) {
            Some(ip) => {
                found = true;
                out.push_str(&fake_one(ip, m.as_str(), rng)?);
            }
            None => out.push_str(m.as_str()),
        }
        last = m.end();
    }
    out.push_str(&text[last..]);
    Some(found)
}
