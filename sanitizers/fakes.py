"""Consistent, format-preserving fake values.

A fake is drawn from a random generator seeded with HMAC(key, entity, normalized value), so one
original gets one fake everywhere (fields, events, runs sharing the key) however it is written
(``4111 1111 1111 1111`` and ``4111111111111111`` share digits; e-mails ignore case). Each
generator keeps what bugs depend on: length, character classes, non-ASCII-ness and script,
separators, e-mail plus-addressing, card brand and Luhn validity, IBAN country and checksum,
phone country code and layout, IP version and private/public class, UUID and date forms.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import random
import re
import string
from collections.abc import Callable

import orjson

from sanitizers.detectors import card_brand_ok, luhn_valid
from sanitizers.gazetteer import names_by_script, script_of, street_words
from sanitizers.names import street_suffix

__all__ = ["FakeFactory", "charclass"]

_LATIN_LOWER = "àáâäãåæçèéêëìíîïñòóôöõøùúûüýÿßłśźżčřšžő"
_LATIN_UPPER = "ÀÁÂÄÃÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÖÕØÙÚÛÜÝŁŚŹŻČŘŠŽŐ"
_HEX = re.compile(r"[0-9a-fA-F]+(?:[-:][0-9a-fA-F]+)*")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_SECRET_PREFIX = re.compile(
    r"^(?:(?:sk|pk|rk)_(?:live|test)_|gh[pousr]_|github_pat_|AKIA|ASIA|xox[a-z]-|glpat-|AIza|SG\.|"
    r"npm_|shp(?:at|ss|ca|pa)_|sq0atp-|Bearer |Basic |Token |bearer )"
)
_PLACEHOLDERS = {"[filtered]", "[redacted]", "[ip]", "[email]", "[creditcard]", "[ssn]",
                 "[private_key]", "[user]", "[password]", "********", "***", "", "none", "null"}
_FREE_MAIL = {"gmail.com", "googlemail.com", "yahoo.com", "outlook.com", "hotmail.com", "live.com",
              "icloud.com", "me.com", "aol.com", "gmx.de", "gmx.net", "web.de", "t-online.de",
              "orange.fr", "free.fr", "laposte.net", "libero.it", "yandex.ru", "mail.ru",
              "proton.me", "protonmail.com", "example.com", "example.org", "example.net"}


def is_placeholder(value: str) -> bool:
    """Values already scrubbed upstream (Relay, sentry-sdk): kept as they are."""
    return value.strip().lower() in _PLACEHOLDERS


def charclass(value: str, rng: random.Random) -> str:
    """Same length; each letter, digit and non-ASCII letter replaced within its class."""
    if _UUID.fullmatch(value):  # the version digit kept, the variant digit kept within its class
        out = _hexlike(value, rng, keep={14})
        return out[:19] + (rng.choice("89ab") if value[19] in "89abAB" else value[19]) + out[20:]
    if len(value) >= 8 and _HEX.fullmatch(value) and any(c.isdigit() for c in value):
        return _hexlike(value, rng)
    out = []
    for ch in value:
        if "a" <= ch <= "z":
            out.append(rng.choice(string.ascii_lowercase))
        elif "A" <= ch <= "Z":
            out.append(rng.choice(string.ascii_uppercase))
        elif "0" <= ch <= "9":
            out.append(rng.choice(string.digits))
        elif ch.isalpha():
            out.append(_same_script_letter(ch, rng))
        else:
            out.append(ch)
    return "".join(out)


def _hexlike(value: str, rng: random.Random, keep: frozenset[int] | set[int] = frozenset()) -> str:
    upper = any("A" <= c <= "F" for c in value)
    digits = "0123456789ABCDEF" if upper else "0123456789abcdef"
    return "".join(ch if (i in keep or not ch.isalnum()) else rng.choice(digits) for i, ch in enumerate(value))


def _same_script_letter(ch: str, rng: random.Random) -> str:
    o = ord(ch)
    if o < 0x250:
        return rng.choice(_LATIN_UPPER if ch.isupper() else _LATIN_LOWER)
    if 0x400 <= o < 0x530:
        return chr(rng.randint(0x410, 0x42F) if ch.isupper() else rng.randint(0x430, 0x44F))
    if 0x370 <= o < 0x400:
        return chr(rng.randint(0x391, 0x3A9) if ch.isupper() else rng.randint(0x3B1, 0x3C9)).replace("\u03a2", "Σ")
    if 0x3040 <= o < 0x30A0:
        return chr(rng.randint(0x3041, 0x3093))
    if 0x30A0 <= o < 0x3100:
        return chr(rng.randint(0x30A1, 0x30F3))
    if 0x4E00 <= o < 0xA000:
        return chr(rng.randint(0x4E00, 0x9FA5))
    if 0xAC00 <= o < 0xD7B0:
        return chr(rng.randint(0xAC00, 0xD7A3))
    if 0x5D0 <= o <= 0x5EA:
        return chr(rng.randint(0x5D0, 0x5EA))
    if 0x620 <= o <= 0x64A:
        return chr(rng.randint(0x620, 0x64A))
    return ch


class FakeFactory:
    """Makes the fake for (entity, value); the same key gives the same fakes in every run."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._cache: dict[tuple[str, str], str] = {}
        self._generators: dict[str, Callable[[str, random.Random], str]] = {
            "EMAIL_ADDRESS": self._email, "CREDIT_CARD": _card, "IBAN_CODE": _iban,
            "PHONE_NUMBER": _phone, "IP_ADDRESS": _ip, "US_SSN": _ssn, "PERSON": _person,
            "ADDRESS": _address, "DATE_OF_BIRTH": _date, "JWT": self._jwt,
            "AUTHORIZATION": self._authorization, "COOKIE": self._cookie_string,
            "API_KEY": _secret, "SECRET": _secret, "PEM_KEY": charclass, "USER_ID": _identifier,
        }

    def rng(self, entity: str, value: str) -> random.Random:
        digest = hmac.new(self._key, f"{entity}\x00{_normal(entity, value)}".encode(), hashlib.sha256).digest()
        return random.Random(int.from_bytes(digest[:16], "big"))

    def fake(self, entity: str, value: str) -> str:
        """The fake for ``value``; never equal to it (unless it is already a placeholder)."""
        cached = self._cache.get((entity, value))
        if cached is not None:
            return cached
        if is_placeholder(value):
            return value
        rng = self.rng(entity, value)
        generator = self._generators.get(entity, charclass)
        result = value
        for _ in range(4):
            try:
                result = generator(value, rng)
            except (ValueError, IndexError):
                result = charclass(value, rng)
            if result != value:
                break
        self._cache[(entity, value)] = result
        return result

    def keyed_hash(self, value: str) -> str:
        return hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()

    def _email(self, value: str, rng: random.Random) -> str:
        local, at, domain = value.rpartition("@")
        if not at:
            return charclass(value, rng)
        local_rng = self.rng("EMAIL_LOCAL", local.split("+")[0].lower())
        base, plus, tag = local.partition("+")
        fake_local = charclass(base, local_rng) + plus + (charclass(tag, rng) if tag else "")
        if domain.lower() in _FREE_MAIL:
            return f"{fake_local}@{domain}"
        labels = domain.split(".")
        domain_rng = self.rng("EMAIL_DOMAIN", domain.lower())
        fake_labels = [charclass(label, domain_rng) for label in labels[:-1]] + labels[-1:]
        return f"{fake_local}@{'.'.join(fake_labels)}"

    def _jwt(self, value: str, rng: random.Random) -> str:
        """Same three-part shape; personal claims faked consistently, the signature re-drawn."""
        parts = value.split(".")
        header, payload = parts[0], parts[1]
        claims = orjson.loads(_b64decode(payload))
        if isinstance(claims, dict):
            claims = {k: self._claim(k, v) for k, v in claims.items()}
        fake_payload = base64.urlsafe_b64encode(orjson.dumps(claims)).rstrip(b"=").decode()
        signature = charclass(parts[2], rng) if len(parts) > 2 else ""
        return ".".join([header, fake_payload, signature] + parts[3:])

    _CLAIM_ENTITIES = {"email": "EMAIL_ADDRESS", "name": "PERSON", "given_name": "PERSON",
                       "family_name": "PERSON", "nickname": "USERNAME", "preferred_username": "USERNAME",
                       "upn": "EMAIL_ADDRESS", "unique_name": "USERNAME", "phone_number": "PHONE_NUMBER",
                       "sub": "USER_ID", "address": "ADDRESS", "birthdate": "DATE_OF_BIRTH"}

    def _claim(self, key: str, value: object) -> object:
        entity = self._CLAIM_ENTITIES.get(key)
        if entity is None or not isinstance(value, str):
            return value
        if entity == "GENERIC" and "@" in value:
            entity = "EMAIL_ADDRESS"
        return self.fake(entity, value)

    def _authorization(self, value: str, rng: random.Random) -> str:
        scheme, sep, credentials = value.partition(" ")
        if not sep:
            return self.fake("SECRET", value)
        if scheme.lower() == "basic":
            try:
                user, colon, password = base64.b64decode(credentials, validate=True).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                return f"{scheme} {charclass(credentials, rng)}"
            user_fake = self.fake("EMAIL_ADDRESS" if "@" in user else "USERNAME", user)
            pair = f"{user_fake}{colon}{self.fake('SECRET', password) if password else ''}"
            return f"{scheme} {base64.b64encode(pair.encode()).decode()}"
        if credentials.startswith("eyJ") and credentials.count(".") >= 2:
            return f"{scheme} {self.fake('JWT', credentials)}"
        return f"{scheme} {self.fake('SECRET', credentials)}"

    def _cookie_string(self, value: str, rng: random.Random) -> str:
        """``a=1; b=2``: every value faked, names and separators kept."""
        if "=" not in value:
            return self.fake("SECRET", value)
        out = []
        for part in re.split(r"(;\s*)", value):
            name, eq, val = part.partition("=")
            out.append(f"{name}={self.fake('SECRET', val)}" if eq and val else part)
        return "".join(out)


def _normal(entity: str, value: str) -> str:
    if entity in ("CREDIT_CARD", "PHONE_NUMBER", "US_SSN"):
        return "".join(ch for ch in value if ch.isdigit())
    if entity == "IBAN_CODE":
        return "".join(ch for ch in value if ch.isalnum()).upper()
    if entity in ("EMAIL_ADDRESS", "PERSON", "USERNAME", "ADDRESS"):
        return value.strip().casefold()
    return value


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _secret(value: str, rng: random.Random) -> str:
    m = _SECRET_PREFIX.match(value)
    prefix = m.group(0) if m else ""
    return prefix + charclass(value[len(prefix):], rng)


_ID_PREFIX = re.compile(r"^[A-Za-z]{1,12}[_-]")


def _identifier(value: str, rng: random.Random) -> str:
    """``cus_Yos4...`` keeps its type prefix; a number keeps its length (no leading zero)."""
    m = _ID_PREFIX.match(value)
    prefix = m.group(0) if m else ""
    rest = charclass(value[len(prefix):], rng)
    if rest[:1] == "0" and value[len(prefix):][:1] not in ("0", ""):
        rest = rng.choice("123456789") + rest[1:]
    return prefix + rest


def _relayout(template: str, digits: str) -> str:
    """Put ``digits`` into the places of the digits of ``template``, keeping its separators."""
    it = iter(digits)
    return "".join(next(it) if ch.isdigit() else ch for ch in template)


def _card(value: str, rng: random.Random) -> str:
    digits = "".join(ch for ch in value if ch.isdigit())
    if not 12 <= len(digits) <= 19:
        return charclass(value, rng)
    keep = 4 if digits[0] in "26" else 2 if digits[0] in "35" else 1
    for _ in range(50):
        body = digits[:keep] + "".join(rng.choice(string.digits) for _ in range(len(digits) - keep - 1))
        check = next(d for d in string.digits if luhn_valid(body + d))
        candidate = body + check
        if candidate != digits and (card_brand_ok(candidate) or not card_brand_ok(digits)):
            return _relayout(value, candidate)
    return _relayout(value, candidate)


def _iban(value: str, rng: random.Random) -> str:
    compact = "".join(ch for ch in value if ch.isalnum()).upper()
    country, bban = compact[:2], compact[4:]
    fake_bban = "".join(rng.choice(string.digits) if c.isdigit() else rng.choice(string.ascii_uppercase)
                        for c in bban)
    numeric = "".join(str(int(c, 36)) for c in fake_bban + country + "00")
    check = f"{98 - int(numeric) % 97:02d}"
    fake = country + check + fake_bban
    it = iter(fake)
    return "".join(next(it) if ch.isalnum() else ch for ch in value)


def _phone(value: str, rng: random.Random) -> str:
    """Country calling code, trunk prefix and layout kept; the subscriber digits drawn anew."""
    digits = [i for i, ch in enumerate(value) if ch.isdigit()]
    keep = 0
    stripped = value.lstrip()
    if stripped.startswith(("+", "00")):
        keep = _country_code_length(value) + (2 if stripped.startswith("00") else 0)
    elif stripped.lstrip("(").startswith("0"):
        keep = 1
    keep += 1  # the first digit of the area code keeps the number's region plausible
    chars = list(value)
    for n, i in enumerate(digits):
        if n >= keep:
            chars[i] = rng.choice(string.digits)
    return "".join(chars)


def _country_code_length(value: str) -> int:
    import phonenumbers

    text = "+" + value.lstrip()[2:] if value.lstrip().startswith("00") else value
    try:
        return len(str(phonenumbers.parse(text, None).country_code))
    except phonenumbers.NumberParseException:
        return 2


_PRIVATE_V4 = [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")]


_IP_IN_TEXT = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}|(?:[0-9A-Fa-f]{0,4}:){2,7}(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{1,4})?")


def _ip(value: str, rng: random.Random) -> str:
    """Every address in the value faked in place: an address, a ``host:port``, a CIDR, an
    ``X-Forwarded-For`` list. Loopback and unspecified addresses are not personal and stay."""
    found = False

    def one(m: re.Match[str]) -> str:
        nonlocal found
        try:
            ip = ipaddress.ip_address(m.group(0))
        except ValueError:
            return m.group(0)
        found = True
        return m.group(0) if ip.is_loopback or ip.is_unspecified else _fake_ip(ip, m.group(0), rng)

    out = _IP_IN_TEXT.sub(one, value)
    return out if found else charclass(value, rng)


def _fake_ip(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, text: str, rng: random.Random) -> str:
    """Same version; private stays private (in the same range), public stays public."""
    if ip.version == 4:
        net = next((n for n in _PRIVATE_V4 if ip in n), None)
        while True:
            if net is not None:
                candidate = net[rng.randrange(1, net.num_addresses - 1)]
            else:
                candidate = ipaddress.IPv4Address(rng.randrange(1 << 24, 224 << 24))
                if candidate.is_private or not candidate.is_global:
                    continue
            if candidate != ip:
                return str(candidate)
    mapped = ip.ipv4_mapped
    if mapped is not None:
        return text[: text.rfind(":") + 1] + _fake_ip(mapped, str(mapped), rng)
    if ip.is_private or ip.is_link_local:
        prefix = int(ip) >> 64 << 64
        candidate = ipaddress.IPv6Address(prefix | rng.getrandbits(64))
    else:
        candidate = ipaddress.IPv6Address((0x2 << 124) | rng.getrandbits(124) | (rng.getrandbits(1) << 124))
    out = candidate.exploded if text.count(":") == 7 and "::" not in text else candidate.compressed
    return out.upper() if text.isupper() else out


def _ssn(value: str, rng: random.Random) -> str:
    """A valid-looking US SSN for nine digits; other national ids (CPF, PESEL, NIR, DNI, codice
    fiscale) keep their layout with every digit and letter redrawn."""
    if sum(ch.isdigit() for ch in value) != 9:
        return charclass(value, rng)
    while True:
        area = rng.randint(1, 899)
        if area != 666:
            break
    digits = f"{area:03d}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"
    return _relayout(value, digits)


def _person(value: str, rng: random.Random) -> str:
    """A name from the same script, with as many words and the same casing style."""
    words = value.split()
    if not words:
        return value
    script = script_of(value)
    pools = names_by_script()
    if script not in pools:
        return charclass(value, rng)  # no name list for this script: letters of the same script
    firsts, lasts = pools[script]
    if script == "latin":
        firsts = firsts + pools["ascii"][0]
    taken = {w.casefold() for w in words}
    fake_words = [_draw(firsts, taken, rng)] + [_draw(lasts, taken, rng) for _ in words[1:]]
    if script == "latin" and fake_words[-1].isascii():
        fake_words[-1] = _draw(lasts, taken, rng)
    if len(words) == 1 and value[:1].isupper() is False:
        fake_words = [fake_words[0].lower()]
    if value.isupper():
        fake_words = [w.upper() for w in fake_words]
    elif value.islower():
        fake_words = [w.lower() for w in fake_words]
    return _keep_separators(value, fake_words)


def _draw(pool: tuple[str, ...], taken: set[str], rng: random.Random) -> str:
    """A name from ``pool`` that is none of the original's words (small pools, like CJK ones, repeat)."""
    for _ in range(20):
        name = rng.choice(pool)
        if name.casefold() not in taken:
            return name
    return name


def _keep_separators(value: str, fake_words: list[str]) -> str:
    parts = re.split(r"(\s+)", value.strip())
    it = iter(fake_words)
    out = [next(it, p) if not p.isspace() else p for p in parts]
    lead = value[: len(value) - len(value.lstrip())]
    trail = value[len(value.rstrip()):]
    return lead + "".join(out) + trail


def _address(value: str, rng: random.Random) -> str:
    """Numbers redrawn digit by digit; street types kept; names swapped for names of the same script."""
    streets = street_words()
    lasts = names_by_script().get(script_of(value), names_by_script()["ascii"])[1]

    def word(m: re.Match[str]) -> str:
        w = m.group(0)
        if any(ch.isdigit() for ch in w):
            return charclass(w, rng)
        if w.lower().rstrip(".") in streets or w.lower() in streets or w.isupper() or len(w) <= 2 and w.islower():
            return w
        suffix = street_suffix(w)  # "Stenstraat" becomes "Kowalstraat"
        new = rng.choice(lasts)
        return (new.lower() if w.islower() else new) + suffix

    out = re.sub(r"[\w'’.-]+", word, value)
    return out if out != value else charclass(value, rng)  # street words only: still not the original


_DATE_FORMATS = (
    (re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})"), "ymd"),
    (re.compile(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{4})"), "dmy"),
)


def _date(value: str, rng: random.Random) -> str:
    """Same format and separators; Feb 29 stays Feb 29 (in another leap year), month-ends stay month-ends."""
    for regex, order in _DATE_FORMATS:
        m = regex.search(value)
        if not m:
            continue
        a, sep, b, c = m.groups()
        if order == "ymd":
            year, month, day = int(a), int(b), int(c)
        elif int(a) > 12:
            day, month, year = int(a), int(b), int(c)
        else:
            month, day, year = int(a), int(b), int(c)
        leap = month == 2 and day == 29
        while True:
            new_year = year + rng.choice([y for y in range(-12, 13) if y])
            if not leap or (new_year % 4 == 0 and (new_year % 100 != 0 or new_year % 400 == 0)):
                break
        if not leap:
            month = rng.randint(1, 12)
            day = min(day, 28) if day <= 28 else 28 if month == 2 else min(day, 30 if month in (4, 6, 9, 11) else 31)
            day = rng.randint(1, 28) if day <= 28 else day
        y, mo, d = str(new_year), f"{month:0{len(b)}d}", f"{day:0{len(c if order == 'ymd' else a)}d}"
        if order == "ymd":
            new = f"{y}{sep}{mo}{sep}{d}"
        elif int(a) > 12 or (order == "dmy" and sep == "."):
            new = f"{d}{sep}{mo}{sep}{y}"
        else:
            new = f"{mo}{sep}{d}{sep}{y}"
        return value[: m.start()] + new + value[m.end():]
    return charclass(value, rng)
