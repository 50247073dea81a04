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
import operator
import re
import unicodedata
from collections.abc import Callable
from functools import cache

import orjson

from sanitizers._cache import remember
from sanitizers._core import SPACE_CLASS, Keyed, Letters, Maker, Rng, ip_address
from sanitizers._formats import (SECRET_PREFIX, card, charclass, date, iban, identifier, national_number, phone, secret,
                                 ssn)
from sanitizers.gazetteer import SCRIPT_RANGES, names_by_script, script_of, street_words
from sanitizers.names import GLUED_AMBIGUOUS, GLUED_TYPES, street_suffix

__all__ = ["FakeFactory", "charclass"]

_PLACEHOLDERS = {"[filtered]", "[redacted]", "[ip]", "[email]", "[creditcard]", "[ssn]",
                 "[private_key]", "[user]", "[password]", "********", "***", "", "none", "null",
                 "{{auto}}", "{{ auto }}", "{{default}}", "{{ default }}"}  # Sentry's own: infer the IP, default grouping
_FREE_MAIL = {"gmail.com", "googlemail.com", "yahoo.com", "outlook.com", "hotmail.com", "live.com",
              "icloud.com", "me.com", "aol.com", "gmx.de", "gmx.net", "web.de", "t-online.de",
              "orange.fr", "free.fr", "laposte.net", "libero.it", "yandex.ru", "mail.ru",
              "proton.me", "protonmail.com", "example.com", "example.org", "example.net"}


_LONGEST_PLACEHOLDER = max(map(len, _PLACEHOLDERS))


def is_placeholder(value: str) -> bool:
    """Values already scrubbed upstream (Relay, sentry-sdk): kept as they are. Asked of every
    string judged and every value replaced, so a longer one without surrounding whitespace is
    answered before ``strip`` and ``lower`` copy it (``lower`` never shortens a text)."""
    if len(value) > _LONGEST_PLACEHOLDER and not (value[0].isspace() or value[-1].isspace()):
        return False
    return value.strip().lower() in _PLACEHOLDERS


_AUTH_SCHEMES = {"basic", "bearer", "digest", "token", "apikey", "api-key", "key", "negotiate", "ntlm", "oauth",
                 "dpop", "hoba", "mutual", "aws4-hmac-sha256", "sharedaccesssignature", "splunk", "jwt"}
_COOKIE_SEPARATORS = re.compile(r"(;\s*)")
_COOKIE_ATTRIBUTES = {"path", "domain", "expires", "max-age", "samesite", "priority", "version", "comment"}
# The forms the format-keeping generators understand in full; anything else is redrawn whole.
_SHAPES = {
    "PHONE_NUMBER": re.compile(r"[\d\s()+./-]*\d[\d\s()+./-]*(?:\s?(?:x|ext\.?|#)\s?\d{1,6})?"),
    "CREDIT_CARD": re.compile(r"[\d\s-]+"),
    "IBAN_CODE": re.compile(r"\s*[A-Za-z]{2}\d{2}[A-Za-z0-9 ]{8,}\s*"),
    "US_SSN": re.compile(r"[A-Za-z0-9][A-Za-z0-9 ./-]*"),
    "DATE_OF_BIRTH": re.compile(r"\s*\d{1,4}([-/.])\d{1,2}\1\d{1,4}(?:[T ][\d:.]+(?:Z|[+-]\d\d:?\d\d)?)?\s*"),
    "EMAIL_ADDRESS": re.compile(r"[^\s@]+@[^\s@]+"),
    "IP_ADDRESS": re.compile(r"[^@]*"),
    "PERSON": re.compile(r"(?s).*[^\W\d_].*"),  # a name has letters: a number in a name field keeps its digits
}


# Made from their digits' values (a card's check digit, a phone's country code, a date): a value
# written in the digits of another script (٤١١١ ١١١١ ...) is made from its ASCII form and its
# fake written back in its own digits.
_DIGIT_ENTITIES = frozenset({"CREDIT_CARD", "PHONE_NUMBER", "US_SSN", "IBAN_CODE", "DATE_OF_BIRTH", "USER_ID"})


def _digit_zero(value: str) -> int | None:
    """The zero of the one script beyond ASCII that all of ``value``'s decimal digits are in."""
    zeros = {ord(c) - unicodedata.decimal(c) for c in value if c.isdecimal()}
    return zeros.pop() if len(zeros) == 1 and ord("0") not in zeros else None


def _digits_moved(text: str, source: int, target: int) -> str:
    """``text`` with the ten digits from code point ``source`` written as those from ``target``."""
    return text.translate({source + i: target + i for i in range(10)})


_SECRET_LIKE = {"SECRET", "API_KEY", "COOKIE", "GENERIC"}
_JWT_SHAPE = re.compile(r"eyJ[\w-]+\.eyJ[\w-]+\.[\w-]*")
_NAME_LIKE = {"PERSON", "USERNAME"}  # addresses keep their street type ("Street") on purpose
_WORDS = re.compile(r"[^\W\d_]{3,}")


def _echoes(entity: str, value: str, fake: str) -> bool:
    """A name fake drawn from real name lists may share a word with the original ("Hans-H." →
    "Hans-Gerhard"): that word would be left in the output, so the fake is drawn again."""
    if entity not in _NAME_LIKE:
        return False
    return not {w.lower() for w in _WORDS.findall(value)}.isdisjoint(w.lower() for w in _WORDS.findall(fake))


class FakeFactory:
    """Makes the fake for (entity, value); the same key gives the same fakes in every run."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._keyed = Keyed(key)  # HMAC-SHA256 keyed once, in the compiled core
        self._maker = _maker(key)
        self._cache: dict[tuple[str, str], str] = {}
        self._full_names: dict[str, str] = {}
        self._generators: dict[str, Callable[[str, Rng], str]] = {
            "EMAIL_ADDRESS": self._email, "CREDIT_CARD": card, "IBAN_CODE": iban,
            "PHONE_NUMBER": phone, "IP_ADDRESS": ip_address, "US_SSN": ssn, "PERSON": _person,
            "ADDRESS": _address, "DATE_OF_BIRTH": date, "JWT": self._jwt,
            "AUTHORIZATION": self._authorization,
            "API_KEY": secret, "SECRET": secret, "PEM_KEY": charclass, "USER_ID": identifier,
        }

    @property
    def key(self) -> bytes:
        return self._key

    @property
    def maker(self) -> Maker:
        """The compiled core's maker of fakes: the sanitizer's walk has it fake and remember an
        ASCII value at once (``Maker.in_event``), as ``fake`` and ``_remember`` would."""
        return self._maker

    def rng(self, entity: str, value: str, salt: int = 0) -> Rng:
        """The generator of ``value``'s fake: seeded by HMAC(key, entity, normalized value), it
        draws what ``random.Random`` seeded with the digest's first 16 bytes would."""
        return self._keyed.rng(f"{entity}\x00{_normal(entity, value)}" + (f"\x00{salt}" if salt else ""))

    def fake(self, entity: str, value: str, avoid: Callable[[str], bool] | None = None) -> str:
        """The fake for ``value``: never equal to it, unless it is a placeholder or names no one
        (an unspecified address). A value that does not have its entity's form (an e-mail in a
        ``phone`` field) gets every letter and digit redrawn: a format-keeping generator would
        leave the part it does not understand as it was.

        ``avoid`` rejects a fake that happens to contain another original of the same event (an
        address fake that drew the customer's own surname from the name list); the next draw,
        as deterministic, replaces it.
        """
        if entity in _SECRET_LIKE and value.startswith("eyJ") and _JWT_SHAPE.fullmatch(value):
            entity = "JWT"  # one token, one fake: as a cookie, a query value or a Bearer credential
        result = self._cache.get((entity, value))
        if result is None:
            if is_placeholder(value):  # tested on a miss only: placeholders are never cached
                return value
            if entity == "PERSON" and len(words := value.split()) > 1:
                return self._full_name(value, words, avoid)
            result = self._make(entity, value)
            remember(self._cache, (entity, value), result, 100_000)
        salt = 0
        while avoid is not None and salt < 3 and avoid(result):  # the draws salted 1 to 3, the last as it is
            salt += 1
            result = self._make(entity, value, salt)
        return result

    def _full_name(self, value: str, words: list[str], avoid: Callable[[str], bool] | None) -> str:
        """Word by word: "Jane Doe" fakes as the fakes of "Jane" and "Doe", so a name and its parts
        (name, first_name, last_name; a greeting) stay one person in any order. A word's fake may
        not hold another word of the name (small pools repeat: Кира) nor be a variant of one
        (Isabell beside Isabelle), nor anything ``avoid`` rejects.

        A name recurs through an event (user, message, frame vars) and across events: what was
        drawn without ``avoid`` rejecting anything is kept, and stands wherever ``avoid`` accepts
        it whole (its words are the words ``avoid`` would have been asked about)."""
        kept = self._full_names.get(value)
        if kept is not None and (avoid is None or not avoid(kept)):
            return kept
        taken = {w.casefold() for w in words}
        avoided = False

        def clashes(fake: str) -> bool:
            nonlocal avoided
            folded = fake.casefold()
            if any(w in folded or _variant(folded, w) for w in taken):
                return True
            rejected = avoid is not None and avoid(fake)
            avoided = avoided or rejected
            return rejected

        result = _keep_separators(value, [self.fake("PERSON", word, clashes) for word in words])
        if not avoided:
            remember(self._full_names, value, result, 100_000)
        return result

    def _make(self, entity: str, value: str, salt: int = 0) -> str:
        """The fake of ``value``: by the compiled core where all its generator's parts are there
        (``Maker``: an ASCII value of any entity), else by ``_make_here``, the core's reference."""
        zero = _digit_zero(value) if entity in _DIGIT_ENTITIES and not value.isascii() else None
        if zero is not None:
            return _digits_moved(self._make(entity, _digits_moved(value, zero, ord("0")), salt), ord("0"), zero)
        made = self._maker.make(entity, value, salt)
        return made if made is not None else self._make_here(entity, value, salt)

    def _make_here(self, entity: str, value: str, salt: int = 0) -> str:
        if entity == "COOKIE":  # only other fakes, nothing drawn: seeding a generator would be waste
            return self._cookie_string(value)
        rng = self.rng(entity, value, salt)
        shape = _SHAPES.get(entity)
        generator = self._generators.get(entity, charclass) if shape is None or shape.fullmatch(value) else charclass
        result = value
        for _ in range(4):
            try:
                result = generator(value, rng)
            except (ValueError, IndexError):
                result = charclass(value, rng)
            if result != value and not _echoes(entity, value, result):
                break
        return result

    def keyed_hash(self, value: str) -> str:
        return self._keyed.hexdigest(value)

    def _email(self, value: str, rng: Rng) -> str:
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

    def _jwt(self, value: str, rng: Rng) -> str:
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
        if entity == "USER_ID" and "@" in value:  # a `sub` that is an e-mail gets the e-mail's fake
            entity = "EMAIL_ADDRESS"
        return self.fake(entity, value)

    def _authorization(self, value: str, rng: Rng) -> str:
        """The scheme kept, the credentials faked: Basic gets a fake user and password, a
        Bearer JWT a JWT of the same shape; a value without a known scheme is one secret."""
        scheme, sep, credentials = value.partition(" ")
        if not sep or scheme.lower() not in _AUTH_SCHEMES:
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

    def _cookie_string(self, value: str) -> str:
        """``a=1; b=2``: every value faked, names and separators kept, and a ``Set-Cookie``'s
        attributes (``Path=/``, ``SameSite=Lax``) as they were."""
        if "=" not in value:
            return self.fake("SECRET", value)
        out = []
        for part in _COOKIE_SEPARATORS.split(value):
            name, eq, val = part.partition("=")
            faked = eq and val and name.strip().lower() not in _COOKIE_ATTRIBUTES
            out.append(f"{name}={self.fake('SECRET', val)}" if faked else part)
        return "".join(out)


def _maker(key: bytes) -> Maker:
    """The core's maker of fakes (``FakeFactory._make``), with what its generators read here: the
    placeholders, secret prefixes, cookie attributes, ASCII names, street words and glued street
    types, the shapes of the values it makes (``\\s`` as Python reads it), phonenumbers' calling
    codes, the free mail domains, the authorization schemes and the JWT claims faked."""
    import phonenumbers

    firsts, lasts = names_by_script()["ascii"]
    shapes = {entity: _SHAPES[entity].pattern.replace(r"\s", SPACE_CLASS)
              for entity in ("CREDIT_CARD", "US_SSN", "IBAN_CODE", "PHONE_NUMBER", "EMAIL_ADDRESS", "DATE_OF_BIRTH")}
    # Rust's engine has no backreference: the date's separator repeated is one pattern per separator
    per_separator = "|".join(rf"\d{{1,4}}{s}\d{{1,2}}{s}\d{{1,4}}" for s in ("-", "/", r"\."))
    shapes["DATE_OF_BIRTH"] = shapes["DATE_OF_BIRTH"].replace(r"\d{1,4}([-/.])\d{1,2}\1\d{1,4}", f"(?:{per_separator})")
    if "\\1" in shapes["DATE_OF_BIRTH"]:  # a shape this no longer reads: dates stay Python's
        del shapes["DATE_OF_BIRTH"]
    return Maker(key, SECRET_PREFIX.pattern, sorted(_PLACEHOLDERS), sorted(_COOKIE_ATTRIBUTES), list(firsts),
                 list(lasts), sorted(street_words()), [t.lower() for t in GLUED_TYPES],
                 [t.lower() for t in GLUED_AMBIGUOUS], shapes,
                 sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE), sorted(_FREE_MAIL), sorted(_AUTH_SCHEMES),
                 FakeFactory._CLAIM_ENTITIES, letter_table(), _script_pools)


@cache
def letter_table() -> Letters:
    """What Python says of each character beyond ASCII that the core reads (``_letter_of``), read
    once for the process: the fakes' makers, the person finder and the prefilter share it."""
    return Letters(_letter_of, list(SCRIPT_RANGES))


_NAME_LETTER = re.compile(r"[^\W\d_]")
_WORD_CHAR = re.compile(r"\w")


def _letter_of(c: str) -> tuple[int, str, str, str, str] | None:
    """What the core reads of a character of a name or an address beyond ASCII (``Maker``), as
    Python reads it: (flags, ``casefold()``, ``lower()``, ``upper()``, the letters of street types
    ``re`` matches it to ignoring case where those are not its ``lower()``), the flags 1
    ``isalpha``, 2 ``isupper``, 4 ``islower``, 8 titlecase, 16 ``[^\\W\\d_]``, 32 ``\\w``, 64
    ``isdigit``, 128 such a character (ı matches i; İ, whose ``lower()`` is longer). None for a
    character left out, so a value holding one stays Python's to fake (``_left_out``)."""
    if _left_out(c):
        return None
    folds = "".join(x for x, pattern in _street_letters() if pattern.fullmatch(c)) if c.lower() != c or c.upper() != c else ""
    odd = folds not in ("", c.lower()) or len(c.lower()) != 1
    flags = (c.isalpha() | c.isupper() << 1 | c.islower() << 2 | (c.istitle() and not c.isupper()) << 3
             | bool(_NAME_LETTER.fullmatch(c)) << 4 | bool(_WORD_CHAR.fullmatch(c)) << 5 | c.isdigit() << 6 | odd << 7)
    return flags, c.casefold(), c.lower(), c.upper(), folds if odd else ""


@cache
def _left_out(c: str) -> bool:
    """Whitespace beyond ASCII (``split`` and ``strip`` read it), a surrogate, capital sigma
    (``lower`` writes it by its place in a word), and a character whose case forms, or theirs,
    hold one."""
    seen, todo = set(), [c]
    while todo:
        d = todo.pop()
        if (d.isspace() and not d.isascii()) or d == "\u03a3" or "\ud800" <= d <= "\udfff":
            return True
        seen.add(d)
        todo.extend(set(d.casefold() + d.lower() + d.upper()) - seen)
    return False


@cache
def _street_letters() -> list[tuple[str, re.Pattern[str]]]:
    """Each letter of the street types (and each vowel), with the pattern matching it ignoring case."""
    return [(x, re.compile("(?i)" + re.escape(x))) for x in sorted(set("".join(GLUED_TYPES) + "aeiouy"))]


def _script_pools(script: str) -> tuple[dict[int, tuple[str, ...]], dict[int, tuple[str, ...]], tuple[str, ...]] | None:
    """``_name_pools(script)`` and every last name of the script in order (what ``_address``
    draws), for the core, when a value of that script first needs them; None for a script
    without names."""
    pools = names_by_script()
    return (*_name_pools(script), pools[script][1]) if script in pools else None


def _normal(entity: str, value: str) -> str:
    if entity == "PHONE_NUMBER":
        return national_number(value)
    if entity in ("CREDIT_CARD", "US_SSN"):
        return "".join(filter(str.isdigit, value))
    if entity == "IBAN_CODE":
        return "".join(filter(str.isalnum, value)).upper()
    if entity in ("EMAIL_ADDRESS", "PERSON", "USERNAME", "ADDRESS"):
        return value.strip().casefold()
    return value


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _person(value: str, rng: Rng) -> str:
    """One word of a name (``fake`` composes longer names word by word): a name of the same
    script and length, in the same casing style. The length, because a name can be what fails
    (a column of 10 characters, a form's "at most 12"): the replay must fail the same way. A
    length no name of the list has gets letters of the same script."""
    script = script_of(value)
    if script not in names_by_script():
        return charclass(value, rng)  # no name list for this script: letters of the same script
    firsts, lasts = _name_pools(script)
    word = value.strip()
    folded = word.casefold()
    taken = {folded, *(part.casefold() for part in _WORDS.findall(value))}  # Hans-Heinrich: hans
    fake = _draw(firsts.get(len(word), ()), folded, taken, rng)
    if fake is not None and script == "latin" and fake.isascii():
        fake = _draw(lasts.get(len(word), ()), folded, taken, rng) or fake
    if fake is None:
        return charclass(value, rng)
    if value.isupper():
        fake = fake.upper()
    elif value[:1].isupper() is False or value.islower():
        fake = fake.lower()
    return _keep_separators(value, [fake])


@cache
def _name_pools(script: str) -> tuple[dict[int, tuple[str, ...]], dict[int, tuple[str, ...]]]:
    """(first names, last names) a fake name of ``script`` is drawn from, by length: Latin first
    names include the ASCII ones."""
    pools = names_by_script()
    firsts, lasts = pools[script]
    return _by_length(firsts + pools["ascii"][0] if script == "latin" else firsts), _by_length(lasts)


def _by_length(names: tuple[str, ...]) -> dict[int, tuple[str, ...]]:
    lengths: dict[int, list[str]] = {}
    for name in names:
        lengths.setdefault(len(name), []).append(name)
    return {size: tuple(group) for size, group in lengths.items()}


def _draw(pool: tuple[str, ...], original: str, taken: set[str], rng: Rng) -> str | None:
    """A name from ``pool`` that holds none of the original's words (small pools, like CJK ones,
    repeat; and Третьякова would carry Третьяков along) and is no variant of it (a name of the
    same length may differ by a letter: Donatella, Donatello); None when twenty draws found none.
    ``original`` comes case-folded, as ``taken`` does."""
    for _ in range(20 if pool else 0):
        name = rng.choice(pool)
        folded = name.casefold()
        if not any(word in folded for word in taken) and not _variant(folded, original):
            return name
    return None


def _variant(name: str, original: str) -> bool:
    """Whether half the letters or more are the original's, in the same places."""
    return 2 * sum(map(operator.eq, name, original)) >= len(original)


_SPACES = re.compile(r"(\s+)")


def _keep_separators(value: str, fake_words: list[str]) -> str:
    parts = _SPACES.split(value.strip())
    it = iter(fake_words)
    out = [next(it, p) if not p.isspace() else p for p in parts]
    lead = value[: len(value) - len(value.lstrip())]
    trail = value[len(value.rstrip()):]
    return lead + "".join(out) + trail


_ADDRESS_WORD = re.compile(r"[\w'’.-]+")


def _address(value: str, rng: Rng) -> str:
    """Numbers redrawn digit by digit; street types kept; names swapped for names of the same script."""
    streets = street_words()
    pools = names_by_script()
    lasts = pools.get(script_of(value), pools["ascii"])[1]

    def word(m: re.Match[str]) -> str:
        w = m.group(0)
        if any(map(str.isdigit, w)):
            return charclass(w, rng)
        if w.lower().rstrip(".") in streets or w.lower() in streets or w.isascii() and w.isupper() or len(w) <= 2 and w.islower():
            return w
        suffix = street_suffix(w)  # "Stenstraat" becomes "Kowalstraat"
        new = rng.choice(lasts)
        return (new.lower() if w.islower() else new) + suffix

    out = _ADDRESS_WORD.sub(word, value)
    return out if out != value else charclass(value, rng)  # street words only: still not the original


