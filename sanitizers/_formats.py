"""Format-keeping generators for values with a structure: cards, IBANs, phones, national ids,
dates, prefixed ids and secrets. ``charclass`` (everything else) and IP addresses are drawn by
the compiled core (``sanitizers._core``).

Each takes the original and a seeded ``Rng`` and keeps what a parser or a bug may
depend on: length, separators, character classes and script, check digits, country and class.
"""

from __future__ import annotations

import re
import string
from functools import lru_cache

from sanitizers._core import Rng, charclass
from sanitizers.detectors import card_brand_ok, luhn_check_digit

__all__ = ["SECRET_PREFIX", "card", "charclass", "date", "iban", "identifier", "national_number", "phone", "secret",
           "ssn"]

SECRET_PREFIX = re.compile(
    r"^(?:(?:sk|pk|rk)_(?:live|test)_|gh[pousr]_|github_pat_|AKIA|ASIA|xox[a-z]-|glpat-|AIza|SG\.|"
    r"npm_|shp(?:at|ss|ca|pa)_|sq0atp-|Bearer |Basic |Token |bearer )"
)


def secret(value: str, rng: Rng) -> str:
    """A provider prefix (``sk_live_``, ``ghp_``, ``AKIA``) kept so the QA side sees which kind it
    was; a PEM key (``signing_key``) keeps its armor lines, as the PEM detector's fake does."""
    if "-----BEGIN " in value:
        parts = _PEM_ARMOR.split(value)  # text, armor, text, armor, ...: the armor is the captured group
        return "".join(part if i % 2 else charclass(part, rng) for i, part in enumerate(parts))
    m = SECRET_PREFIX.match(value)
    prefix = m.group(0) if m else ""
    return prefix + charclass(value[len(prefix):], rng)


_PEM_ARMOR = re.compile(r"(-----(?:BEGIN|END) [A-Z0-9 ]{3,40}-----)")
_ID_PREFIX = re.compile(r"^[A-Za-z]{1,12}[_-]")


def identifier(value: str, rng: Rng) -> str:
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


def card(value: str, rng: Rng) -> str:
    """Brand prefix, length, separators and a valid Luhn check digit kept."""
    digits = "".join(filter(str.isdigit, value))
    if not 12 <= len(digits) <= 19:
        return charclass(value, rng)
    keep = 4 if digits[0] in "26" else 2 if digits[0] in "35" else 1
    for _ in range(50):
        body = digits[:keep] + "".join(rng.choice(string.digits) for _ in range(len(digits) - keep - 1))
        candidate = body + luhn_check_digit(body)
        if candidate != digits and (card_brand_ok(candidate) or not card_brand_ok(digits)):
            return _relayout(value, candidate)
    return _relayout(value, candidate)


def iban(value: str, rng: Rng) -> str:
    """Country, length, letter/digit layout and a valid mod-97 check kept."""
    compact = "".join(filter(str.isalnum, value)).upper()
    country, bban = compact[:2], compact[4:]
    fake_bban = "".join(rng.choice(string.digits) if c.isdigit() else rng.choice(string.ascii_uppercase)
                        for c in bban)
    numeric = "".join(str(int(c, 36)) for c in fake_bban + country + "00")
    check = f"{98 - int(numeric) % 97:02d}"
    fake = country + check + fake_bban
    it = iter(fake)  # in the original's layout and letter case
    return "".join((next(it).lower() if ch.islower() else next(it)) if ch.isalnum() else ch for ch in value)


def national_number(value: str) -> str:
    """The digits after the international prefix and country code (+49, 0049) or the trunk
    prefix (0): what +49 151 2345678 and 0151 2345678 share."""
    digits = "".join(filter(str.isdigit, value))
    stripped = value.lstrip()
    if stripped.startswith(("+", "00")):
        return digits[_country_code_length(value) + (2 if stripped.startswith("00") else 0):]
    return digits[1:] if stripped.lstrip("(").startswith("0") else digits


def phone(value: str, rng: Rng) -> str:
    """Country calling code, trunk prefix and layout kept; the subscriber digits drawn anew, so a
    number written in international and in national form (seeded alike) gets one fake."""
    digits = [i for i, ch in enumerate(value) if ch.isdigit()]
    keep = len(digits) - len(national_number(value)) + 1  # and the area code's first digit: the region stays plausible
    chars = list(value)
    for n, i in enumerate(digits):
        if n >= keep:
            chars[i] = rng.choice(string.digits)
    return "".join(chars)


# "+" and a number of digits and separators only, and an extension as Faker writes one ("x450"),
# which phonenumbers' parse reads before the number.
_PLAIN_INTERNATIONAL = re.compile(r"[ \t]*\+([0-9 ().\-/]*?)(?:x[0-9]{1,9})?")
_SEPARATORS = " ().-/"
_PARSED_CHARS = 250  # phonenumbers' _MAX_INPUT_STRING_LENGTH


@lru_cache(maxsize=65_536)  # asked twice per fake: for its seed (national_number) and its layout
def _country_code_length(value: str) -> int:
    """The length of the calling code phonenumbers reads in an international number (2 where it
    reads none). A plain number of 7 to 15 digits (an extension after it or not) is read as
    phonenumbers reads it, without its 30 to 250 us parse: the shortest of its first one to three
    digits that is a calling code; one starting with 0 as the parse refuses it.
    ``tests/test_fakes.py`` holds the two readings to one answer (``Maker`` reads it so too)."""
    import phonenumbers

    text = "+" + value.lstrip()[2:] if value.lstrip().startswith("00") else value
    if len(text) > _PARSED_CHARS:
        return 2  # the parse refuses a longer text at once
    plain = _PLAIN_INTERNATIONAL.fullmatch(text)
    number = plain.group(1) if plain else ""
    if number.lstrip(_SEPARATORS).startswith("0"):
        return 2  # no calling code starts with 0: the parse refuses it
    digits = "".join(filter(str.isdigit, number)) if number[:1] in "123456789" else ""
    if 7 <= len(digits) <= 15:
        return next((n for n in (1, 2, 3) if int(digits[:n]) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE), 2)
    try:
        return len(str(phonenumbers.parse(text, None).country_code))
    except phonenumbers.NumberParseException:
        return 2


def ssn(value: str, rng: Rng) -> str:
    """A valid-looking US SSN for nine digits; other national ids (CPF, PESEL, NIR, DNI, codice
    fiscale) keep their layout with every digit and letter redrawn."""
    if sum(map(str.isdigit, value)) != 9:
        return charclass(value, rng)
    while True:
        area = rng.randint(1, 899)
        if area != 666:
            break
    digits = f"{area:03d}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"
    return _relayout(value, digits)


_YEAR_SHIFTS = tuple(y for y in range(-12, 13) if y)
_DATE_FORMATS = (
    (re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})"), "ymd"),
    (re.compile(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{4})"), "dmy"),
)


def date(value: str, rng: Rng) -> str:
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
            new_year = year + rng.choice(_YEAR_SHIFTS)
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
