"""Value detectors: find personal data inside any string, cheapest checks first.

Each detector is a plain function ``text -> list[Span]`` behind a gate that costs a substring
test or one small regex, so the expensive parts (presidio's validators, phonenumbers, the name
gazetteer) only ever see strings that could hold their kind of data. presidio-analyzer's
pattern recognizers are used where they are good (e-mail, IBAN, IP, SSN, crypto wallets, MAC);
formats presidio lacks (2-series and 19-digit cards, JWT, PEM, provider API keys, URL
credentials, ``password=...`` assignments, phones without country hints) are ours.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import cache, lru_cache
from itertools import repeat
from typing import Any, NamedTuple

from sanitizers._core import (IBAN_PATTERN, PREFILTERED, GateReader, IbanFinder, IpFinder, Pattern, PhoneFinder,
                              Prefilter, SsnFinder, api_key_spans, card_spans, email_spans, jwt_spans, pem_spans, unquote,
                              user_id_spans, username_spans)

__all__ = ["ALWAYS", "Span", "DETECTOR_FUNCTIONS", "card_brand_ok", "core_replica", "detector_bit", "digit_count",
           "gate_reader", "is_loopback", "luhn_check_digit", "luhn_valid", "prefilter"]


class Span(NamedTuple):
    """A detected value: ``text[start:end]`` is personal data of kind ``entity``. A named tuple:
    detectors make dozens per event, and a frozen dataclass costs a ``__setattr__`` per field."""

    start: int
    end: int
    entity: str
    detector: str


Detector = Callable[[str], list[Span]]


def digit_count(text: str) -> int:
    """Decimal digits in ``text`` (at C speed for ASCII: ``bytes.translate`` deletes by table,
    ``str.translate`` looks each character up in a dict): the first gate of every number-shaped detector."""
    if text.isascii():
        return len(text) - len(text.encode().translate(None, b"0123456789"))
    return sum(map(str.isdecimal, text))


def _mentions(text: str, words: tuple[str, ...]) -> bool:
    """Whether the lower-cased text contains one of ``words`` (lower case): a substring test each,
    the gate in front of a detector's case-insensitive regex. For ASCII text it agrees with
    ``(?i)``; other text folds differently (``(?i)`` takes the Kelvin sign for a ``k``), so gates
    send it to the regex unless their words cover every spelling."""
    low = text.lower()
    for word in words:  # a loop, not any() over a generator: gates run on most strings
        if word in low:
            return True
    return False


# --- presidio-backed detectors ----------------------------------------------------------------

@cache
def _presidio(name: str):
    """presidio recognizers are built on first use: loading them costs a tenth of a second, and
    importing presidio whole most of a second (``sanitizers._presidio_import``)."""
    from sanitizers._presidio_import import presidio

    recognizer = presidio().recognizers[name]
    if name == "EMAIL_ADDRESS":
        return _offline_email_recognizer(recognizer)
    return recognizer()


_INTERNAL_SUFFIXES = {"local", "internal", "corp", "lan", "test", "example", "invalid",
                      "localhost", "intranet", "home", "localdomain"}
# A mistyped address (jo@gmail.con) is still someone's, and validation errors are where typos end
# up: a domain ending in letters is taken unless the ending is a file's (icon@2x.png, app@main.js).
_FILE_ENDINGS = {"png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "bmp", "heic", "js", "mjs", "cjs", "ts", "tsx",
                 "jsx", "css", "scss", "map", "json", "html", "htm", "xml", "yml", "yaml", "txt", "log", "md", "py",
                 "rb", "php", "java", "kt", "swift", "mm", "cc", "cpp", "dylib", "dll", "exe", "zip", "gz", "tgz",
                 "tar", "pdf", "mp4", "mp3", "wav", "woff", "woff2", "ttf", "otf", "lock", "wasm", "vue", "svelte",
                 "dart", "rs", "sql", "csv", "ini", "cfg", "conf", "toml", "bundle", "jsbundle", "nib", "xib",
                 "storyboard", "plist", "dex", "jar", "class", "apk", "ipa", "aab"}
_LETTER_ENDING = re.compile(r"[a-z]{2,12}")


def _offline_email_recognizer(base):
    """presidio validates e-mail domains with tldextract, which would download the public
    suffix list; this one reads the snapshot tldextract ships and accepts internal domains."""

    class OfflineEmailRecognizer(base):
        def validate_result(self, pattern_text: str) -> bool:
            return _email_domains()(pattern_text.rpartition("@")[2].lower())

    return OfflineEmailRecognizer()


@cache
def _email_domains() -> Callable[[str], bool]:
    """Whether a lower-cased domain is an e-mail domain: a public suffix in the snapshot
    tldextract ships, an internal one, or a mistyped one ending in letters that no file ends in."""
    import tldextract

    extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

    @lru_cache(maxsize=65_536)
    def valid_domain(domain: str) -> bool:  # a suffix lookup costs 20 us; domains repeat (gmail.com)
        ending = domain.rpartition(".")[2]
        return (ending in _INTERNAL_SUFFIXES or extract(domain).suffix != ""
                or (bool(_LETTER_ENDING.fullmatch(ending)) and ending not in _FILE_ENDINGS))

    return valid_domain


def _run_presidio(entity: str, text: str) -> list[Span]:
    return [Span(start, end, entity, entity.lower()) for start, end in _presidio_spans(entity, text)]


@lru_cache(maxsize=65_536)
def _presidio_spans(entity: str, text: str) -> tuple[tuple[int, int], ...]:
    return _compiled(entity).spans(text)


# Patterns that cannot match without a character are not tried on text that lacks it: every
# alternative of presidio's IPv6 patterns holds a ":", and they cost 20 us on every dotted quad.
_PATTERN_NEEDS = {"IPv4_mapped": ":", "IPv4_embedded": ":", "IPv6": ":", "IPv6_unspecified": ":"}


class CompiledRecognizer:
    """A presidio ``PatternRecognizer`` run the way its ``analyze`` runs it (the same patterns and
    flags, ``validate_result``/``invalidate_result``, results contained in a better one dropped)
    without the per-call overhead: ``analyze`` stamps times, logs and builds an explanation
    object per match, which costs 3-5x the matching itself. ``tests/test_presidio_compiled.py``
    holds the two to the same spans."""

    def __init__(self, recognizer) -> None:
        self._patterns = [(_matcher(p.regex, recognizer.global_regex_flags), p.score, _PATTERN_NEEDS.get(p.name, ""))
                          for p in recognizer.patterns]
        self._validate, self._invalidate = recognizer.validate_result, recognizer.invalidate_result

    def spans(self, text: str) -> tuple[tuple[int, int], ...]:
        found: list[tuple[int, int, float]] = []
        for matches, pattern_score, needs in self._patterns:
            if needs not in text:
                continue
            for start, end in matches(text):
                match = text[start:end]
                valid = self._validate(match)
                score = pattern_score if valid is None else (1.0 if valid else 0.0)
                if self._invalidate(match):
                    score = 0.0
                if score > 0:
                    found.append((start, end, score))
        return _not_contained(found)


def _matcher(pattern: str, flags: int) -> Callable[[str], Iterable[tuple[int, int]]]:
    """(start, end) of a pattern's non-empty matches: in ASCII text by Rust's regex engine where it
    can run the pattern (its matches are the backtracking engine's, found in linear time), else by
    ``regex``. Other text stays with ``regex``: the engines fold case differently beyond ASCII
    (``regex`` takes İ for an i, so a wallet address followed by one is no address there)."""
    import regex

    compiled = regex.compile(pattern, flags=flags)

    def by_regex(text: str) -> list[tuple[int, int]]:
        return [m.span() for m in compiled.finditer(text) if m.end() > m.start()]

    fast = _rust_pattern(pattern, flags)
    if fast is None:
        return by_regex
    return lambda text: fast.spans(text) if text.isascii() else by_regex(text)


def _rust_pattern(pattern: str, flags: int) -> Pattern | None:
    """``pattern`` compiled by Rust's engine, or None where it cannot run it (lookaround, a
    backreference, a flag beyond case, multi-line and dot-all)."""
    rust = _rust_flags(flags)
    if rust is None:
        return None
    ignore_case, multi_line, dot_all = rust
    try:
        return Pattern(pattern, ignore_case=ignore_case, multi_line=multi_line, dot_all=dot_all)
    except ValueError:
        return None


def _rust_flags(flags: int) -> tuple[bool, bool, bool] | None:
    """(ignore case, multi-line, dot-all): a presidio recognizer's ``regex`` flags as Rust's engine
    takes them, or None for a flag beyond those three, which it has nothing for."""
    import regex

    if flags & ~(regex.I | regex.M | regex.S):
        return None
    return bool(flags & regex.I), bool(flags & regex.M), bool(flags & regex.S)


def _not_contained(found: list[tuple[int, int, float]]) -> tuple[tuple[int, int], ...]:
    """presidio's ``remove_duplicates`` for one entity: a result inside another that scores at
    least as high goes."""
    if len(found) <= 1:
        return tuple((start, end) for start, end, _ in found)
    kept = []
    for start, end, score in sorted(set(found), key=lambda r: (r[0], -(r[1] - r[0]), -r[2])):
        if not any(s <= start and end <= e and score <= sc for s, e, sc in kept):
            kept.append((start, end, score))
    return tuple(sorted((start, end) for start, end, _ in kept))


class CompiledIban:
    """presidio's ``IbanRecognizer.analyze``, which has a loop of its own, without its bookkeeping:
    a match ends where the last of its groups that makes a valid IBAN ends (an IBAN followed by
    a number: "DE89 3704 0044 0532 0130 00 2 days")."""

    def __init__(self, recognizer) -> None:
        import regex  # its lookbehind is beyond Rust's engine

        self._patterns = [(regex.compile(p.regex, flags=recognizer.global_regex_flags), p.score)
                          for p in recognizer.patterns]
        self._validate = _iban_validator(recognizer)

    def spans(self, text: str) -> tuple[tuple[int, int], ...]:
        found = []
        for pattern, pattern_score in self._patterns:
            for m in pattern.finditer(text):
                start = m.start()
                for group in range(len(m.groups()), 0, -1):
                    end = m.end(group) if m.end(group) > 0 else m.end()
                    if start == end:
                        continue
                    valid = self._validate(text[start:end])
                    if (pattern_score if valid is None else 1.0 if valid else 0.0) > 0:
                        found.append((start, end))
                        break
        return tuple(found)


def _module_of(recognizer) -> dict[str, Any]:
    """The globals of the module that defines a recognizer's ``validate_result`` (IBAN formats
    live there), read through the method: the sanitizer's copy of the module is in no
    ``sys.modules`` (``sanitizers._presidio_import``)."""
    return getattr(type(recognizer).validate_result, "__globals__", {})


def _iban_validator(recognizer) -> Callable[[str], bool | None]:
    """presidio's ``IbanRecognizer.validate_result`` with its country formats compiled once:
    presidio hands each format to ``regex.match`` as a string, and ``regex``'s cache lookup costs
    more than the match (about half of an IBAN's detection). Its own method where its module no
    longer holds the formats; ``tests/test_presidio_compiled.py`` holds the two to one answer."""
    import regex

    formats = _module_of(recognizer).get("regex_per_country")
    bos_eos = getattr(recognizer, "BOSEOS", None)
    if not isinstance(formats, dict) or bos_eos is None:
        return recognizer.validate_result
    compiled = {country: regex.compile(f"{bos_eos[0]}{pattern}{bos_eos[1]}" if bos_eos else pattern,
                                       flags=regex.DOTALL | regex.MULTILINE)
                for country, pattern in formats.items() if pattern}
    pairs, letters = recognizer.replacement_pairs, recognizer.LETTERS

    def valid_format(iban: str) -> bool:
        country = compiled.get(iban[:2])
        return country is not None and country.match(iban) is not None

    def validate(text: str) -> bool | None:
        for search, replacement in pairs:
            text = text.replace(search, replacement)
        transformed = (text[:2] + "00" + text[4:]).upper()
        moved = (transformed[4:] + transformed[:4]).translate(letters)
        try:
            checksum_ok = f"{98 - int(moved) % 97:0>2}" == text[2:4]
        except ValueError:
            return False
        if not checksum_ok:
            return False
        return True if valid_format(text) else None if valid_format(text.upper()) else False

    return validate


@cache
def _compiled(entity: str) -> CompiledRecognizer | CompiledIban:
    return (CompiledIban if entity == "IBAN_CODE" else CompiledRecognizer)(_presidio(entity))


def _run_presidio_tokens(entity: str, text: str, needed: Callable[[str], bool]) -> list[Span]:
    """presidio on each whitespace-free run that could hold a match, cached per run: e-mail and IP
    patterns never span whitespace and only look at ``\\b``/``\\w`` around a match, so a run
    gives the same spans as the whole text, and the same address in ten strings is analyzed once.

    The runs are ``str.split``'s (its whitespace is ``\\s``'s). ``needed`` holds for every run
    holding one it holds for (a substring or an unanchored pattern), so a needed run is the first
    occurrence of its text after the last one: an earlier occurrence would lie inside a run that
    is needed too."""
    spans = []
    at = 0
    for token in text.split():
        if needed(token):
            at = text.index(token, at)
            spans.extend(Span(at + start, at + end, entity, entity.lower()) for start, end in _presidio_spans(entity, token))
            at += len(token)
    return spans


def code_runs(codes: Iterable[int]) -> list[tuple[int, int]]:
    """Ascending code points as runs of consecutive ones, (first, last): a class's ranges."""
    runs: list[tuple[int, int]] = []
    for code in codes:
        if runs and runs[-1][1] == code - 1:
            runs[-1] = (runs[-1][0], code)
        else:
            runs.append((code, code))
    return runs


def escaped_class(codes: Iterable[int]) -> str:
    """Ascending code points as the body of a class, in ``\\u`` escapes and ranges."""
    return "".join(f"\\u{first:04x}" + (f"-\\u{last:04x}" if last > first else "") for first, last in code_runs(codes))


def _combining_marks() -> str:
    """The combining marks of the scripts' blocks (U+0300 to U+1DFF) as ranges of a class: the
    vowel signs of an Indic, Thai or Khmer name, and accents written apart, which ``\\w`` lacks, so
    that a name or mailbox written with them is read whole."""
    return escaped_class(c for c in range(0x300, 0x1E00) if unicodedata.category(chr(c)).startswith("M"))


_MARKS = _combining_marks()
_LOCAL_PART_STOP = re.compile(rf"[^\w{_MARKS}.+-]")
# A scheme starts a run (the lookbehind): tried at every letter, a long run is quadratic. Right
# before the mailbox (\Z, not $: a URL on the line before is no userinfo of the mailbox after it).
_URL_USERINFO = re.compile(r"(?<![\w+.-])[A-Za-z][\w+.-]*://[^\s/@]*\Z")


def detect_email(text: str) -> list[Span]:
    """presidio's e-mail spans, trimmed to the mailbox: its pattern allows ``=``, ``/`` and ``?``
    in the local part (RFC-valid, never seen in real addresses), so ``email=jane@x.com`` and
    ``/account/jane@x.com`` would take their key and path along. A ``user:password@host`` of a
    URL is left to the URL-credentials detector. A mailbox URL-encoded in text (Django's
    ``Not Found: /users/jane%40x.com``) is found too.

    The compiled core does all of it for ASCII text (most text), and for each ASCII run of text
    beyond it (``_emails_by_run``); the rest is read here, as :func:`_detect_email_here` reads it."""
    if "@" not in text and "%40" not in text:
        return []
    pattern = _email_pattern()
    if pattern is None:
        return _detect_email_here(text)
    found = email_spans(text, pattern, _email_domains())
    if found is None:
        return _emails_by_run(text, pattern)
    return [Span(start, end, *SPAN_KINDS["EMAIL_ADDRESS"]) for start, end in found]


def _emails_by_run(text: str, pattern: Pattern) -> list[Span]:
    """``_detect_email_here`` of text beyond ASCII, a whitespace-free run at a time: no span
    crosses whitespace, and what each of its patterns looks at around a match (``\\b``, a
    lookaround, the scheme before a mailbox) stops at whitespace too, as at either end of a run
    alone. So the core reads each ASCII run (a name in another script beside an ASCII address,
    as in most such text), Python the others. In ``_detect_email_here``'s order: the
    URL-encoded mailboxes (the spans without an ``@``) first."""
    encoded: list[Span] = []
    plain: list[Span] = []
    at = 0
    for run in text.split():  # needed runs are found from the last one on, as _run_presidio_tokens finds them
        if "@" not in run and "%40" not in run:
            continue
        at = text.index(run, at)
        found = email_spans(run, pattern, _email_domains()) if run.isascii() else None
        spans = [(span.start, span.end) for span in _detect_email_here(run)] if found is None else found
        for start, end in spans:
            (plain if "@" in run[start:end] else encoded).append(Span(at + start, at + end, *SPAN_KINDS["EMAIL_ADDRESS"]))
        at += len(run)
    return encoded + plain


@cache
def _email_pattern() -> Pattern | None:
    """presidio's e-mail pattern compiled by Rust's engine, as ``_matcher`` runs it on ASCII
    text; None (every text read here) should a presidio release bring more patterns, or one
    beyond that engine."""
    recognizer = _presidio("EMAIL_ADDRESS")
    if len(recognizer.patterns) != 1:
        return None
    return _rust_pattern(recognizer.patterns[0].regex, recognizer.global_regex_flags)


def _detect_email_here(text: str) -> list[Span]:
    spans = _encoded_emails(text) if "%40" in text else []
    for span in _run_presidio_tokens("EMAIL_ADDRESS", text, lambda token: "@" in token):
        local = text[span.start:text.index("@", span.start)]
        cut = max((m.end() for m in _LOCAL_PART_STOP.finditer(local)), default=0)
        start = span.start + cut
        # a scheme within 512 characters before the mailbox, not the whole text before it: thousands of
        # addresses in one string would make that quadratic
        if start < span.start + len(local) and not _URL_USERINFO.search(text, max(0, start - 512), start):
            spans.append(Span(start, span.end, span.entity, span.detector))
    return spans


_ENCODED_MAILBOX = re.compile(
    r"(?<![\w.+%-])(?:[\w.+-]|%2[Bb]){1,64}%40[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])")


def _encoded_emails(text: str) -> list[Span]:
    """URL-encoded mailboxes, each one presidio takes whole once decoded."""
    spans = []
    for m in _ENCODED_MAILBOX.finditer(text):
        decoded = unquote(m.group())
        if _presidio_spans("EMAIL_ADDRESS", decoded) == ((0, len(decoded)),):
            spans.append(Span(m.start(), m.end(), "EMAIL_ADDRESS", "email_address"))
    return spans


def _gated(entity: str, gate: re.Pattern[str]) -> Detector:
    """A presidio recognizer that only sees strings its cheap regex gate lets through."""

    def detect(text: str) -> list[Span]:
        return _run_presidio(entity, text) if gate.search(text) else []

    detect.__name__ = f"detect_{entity.lower()}"
    return detect


# presidio's IBAN pattern, reduced to what it cannot match without: country, check digits, 9+ more.
_presidio_iban = _gated("IBAN_CODE", re.compile(r"(?i)(?<![a-z0-9])[a-z]{2}[ -]?\d{2}(?=(?:[ -]?[a-z0-9]){9})"))
# An IBAN typed in lower case (de89 3704 0044 ...), as a validation error quotes it: one whole token.
_LOWER_IBAN = re.compile(r"(?<![\w-])[a-z]{2}\d{2}(?:[ ]?[a-z0-9]{4}){2,7}(?:[ ]?[a-z0-9]{1,3})?(?![\w-])")


def _in_core(spans: Callable[[str], list[tuple[int, int]] | None] | None, text: str, name: str,
             here: Detector) -> list[Span]:
    """Detector ``name``'s spans: by its replica in the compiled core (``spans``) in the text that
    reads (ASCII text, and for some more), and by ``here``, its Python reading and the replica's reference, in the rest
    (or in all text when presidio no longer has what the replica copies: ``spans`` is None)."""
    found = None if spans is None else spans(text)
    if found is None:
        return here(text)
    entity, detector = SPAN_KINDS[name]
    return [Span(start, end, entity, detector) for start, end in found]


def detect_iban(text: str) -> list[Span]:
    """presidio's IBANs (upper case only), and in a text that says IBAN also lower-case ones,
    each candidate upper-cased alone for presidio to validate (the whole text upper-cased would
    join the next word into a candidate). Not without the word: one hex id in 97 passes the checksum.
    The compiled core reads ASCII text, and most other text (``_iban_finder``)."""
    return _in_core(_iban_finder(), text, "IBAN_CODE", _detect_iban_here)


@cache
def _iban_finder() -> Callable[[str], list[tuple[int, int]] | None] | None:
    """detect_iban in the compiled core, which replicates presidio's one IBAN pattern
    (``IBAN_PATTERN``) and its validation with presidio's country formats, for ASCII text and
    for other text that says no "iban" and holds no letter ``(?i)`` reads as an ASCII one. None
    (every text read here) should a presidio release change the pattern, its flags or its
    validation's parts. ``tests/test_core.py`` holds the two readings to the same spans."""
    import string

    recognizer = _presidio("IBAN_CODE")
    formats = _module_of(recognizer).get("regex_per_country")
    letters = {ord(d): str(i) for i, d in enumerate(string.digits + string.ascii_uppercase)}
    rust = _rust_flags(recognizer.global_regex_flags)  # the replica matches case as it is
    if ([p.regex for p in recognizer.patterns] != [IBAN_PATTERN] or rust is None or rust[0]
            or not isinstance(formats, dict) or getattr(recognizer, "BOSEOS", None) != ()
            or recognizer.replacement_pairs != [("-", ""), (" ", "")] or recognizer.LETTERS != letters):
        return None
    return IbanFinder({country: pattern for country, pattern in formats.items() if pattern}).spans


def _detect_iban_here(text: str) -> list[Span]:
    spans = _presidio_iban(text)
    if _mentions(text, ("iban",)):
        for m in _LOWER_IBAN.finditer(text):
            if _presidio_spans("IBAN_CODE", m.group().upper()) == ((0, len(m.group())),):
                spans.append(Span(m.start(), m.end(), "IBAN_CODE", "iban_code"))
    return spans


# An IPv4 dotted quad, or IPv6: compressed (``::``) or all eight groups; a time (12:30:45) is neither.
_IP_GATE = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d|::|(?:[0-9a-fA-F]{1,4}:){7}")


def _may_hold_ip(text: str) -> bool:
    """Counted at C speed before the regex: IPv4 needs three dots and four digits, IPv6 ``::`` or seven colons."""
    return ((text.count(".") >= 3 and digit_count(text) >= 4) or "::" in text or text.count(":") >= 7) \
        and bool(_IP_GATE.search(text))


def detect_ip(text: str) -> list[Span]:
    return _in_core(_ip_finder(), text, "IP_ADDRESS", _detect_ip_here)


@cache
def _ip_finder() -> Callable[[str], list[tuple[int, int]] | None] | None:
    """detect_ip for ASCII text whose candidates hold no colon, in the compiled core: presidio's
    IPv4 pattern, ``ipaddress``'s validation and the exclusions below. None (every text read
    here) should a presidio release rename or drop that pattern, or bring one or flags beyond Rust's
    engine. ``tests/test_core.py`` holds the two readings to the same spans."""
    recognizer = _presidio("IP_ADDRESS")
    ipv4 = next((p.regex for p in recognizer.patterns if p.name == "IPv4"), None)
    rust = _rust_flags(recognizer.global_regex_flags)
    try:
        return None if ipv4 is None or rust is None else IpFinder(ipv4, *rust).spans
    except ValueError:
        return None


def _detect_ip_here(text: str) -> list[Span]:
    if not _may_hold_ip(text):
        return []
    spans = []
    for span in _run_presidio_tokens("IP_ADDRESS", text, _IP_GATE.search):
        value = text[span.start:span.end].split("/")[0].split("%")[0]
        try:
            ip = ipaddress.ip_address(value)
        except ValueError:
            continue
        if ip.is_unspecified or (ip.is_loopback and not _HOST_REST.fullmatch(text[:span.start] + text[span.end:])):
            continue  # a loopback address names no one; as a whole value (a Host header) Relay scrubs it
        if text[max(0, span.start - 1):span.start] in ("v", "V") or _follows_version_word(text, span.start):
            continue
        if _PRODUCT_TOKEN.search(text, max(0, span.start - 64), span.start):
            continue  # a product's version in a user agent (Chrome/120.0.0.0), not a host
        if ip.version == 6 and not any(map(str.isdigit, value)):
            continue  # a scope operator between hex-letter words (Feed::add, dead::beef), not an address
        spans.append(span)
    return spans


# ``Chrome/`` of a user agent starts a word; ``/ip/`` of a URL path does not.
_PRODUCT_TOKEN = re.compile(r"(?:^|(?<=[\s(;,]))[A-Za-z][\w.-]*/\Z")
_HOST_REST = re.compile(r"\s*\[?\]?(?::\d{1,5})?\s*")  # what may surround a whole-value address: [ ]:port


def is_loopback(value: str) -> bool:
    """Whether ``value`` is a loopback address (``127.0.0.1``, ``::1``), with or without a port."""
    host = value.rsplit(":", 1)[0] if value.count(":") == 1 else value.strip("[]")
    if not host.startswith("127.") and (":" not in host or (not host.endswith("1") and "%" not in host)):
        # parsing is the cost: only 127.x (no leading zeros), ::1 (::0001, ::0.0.0.1) or a scoped ::1%lo can be one
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_VERSION_WORD = re.compile(r"(?i)\b(?:version|ver|release|build)\W{0,3}$")


def _follows_version_word(text: str, start: int) -> bool:
    return bool(_VERSION_WORD.search(text[max(0, start - 12):start]))


_SSN_GATE = re.compile(r"\d{3}[- .]\d{2}[- .]\d{4}|\d{9}")
_SSN_CUE = re.compile(r"(?i)ssn|social|security|national|tax")


def _may_hold_ssn(text: str) -> bool:
    return digit_count(text) >= 9 and bool(_SSN_GATE.search(text))


def detect_ssn(text: str) -> list[Span]:
    """Only the separated form counts unless an SSN cue is near: nine bare digits are usually ids.
    The compiled core reads ASCII text (``_ssn_finder``)."""
    return _in_core(_ssn_finder(), text, "US_SSN", _detect_ssn_here)


@cache
def _ssn_finder() -> Callable[[str], list[tuple[int, int]] | None] | None:
    """detect_ssn for ASCII text in the compiled core: presidio's SSN patterns (handed over), its
    ``invalidate_result`` and the removal of results inside better ones, replicated. None (every
    text read here) should a presidio release validate results or bring a pattern beyond Rust's
    engine. ``tests/test_core.py`` holds the two readings to the same spans."""
    from sanitizers._presidio_import import presidio

    recognizer = _presidio("US_SSN")
    rust = _rust_flags(recognizer.global_regex_flags)
    if type(recognizer).validate_result is not presidio().pattern_recognizer.validate_result or rust is None:
        return None
    try:
        return SsnFinder([(p.regex, p.score) for p in recognizer.patterns], *rust).spans
    except ValueError:
        return None


def _detect_ssn_here(text: str) -> list[Span]:
    if not _may_hold_ssn(text):
        return []
    cued = bool(_SSN_CUE.search(text))
    out = []
    for span in _run_presidio("US_SSN", text):
        value = text[span.start:span.end]
        if re.fullmatch(r"\d{3}[- .]\d{2}[- .]\d{4}", value) or (cued and value.isdigit() and len(value) == 9):
            out.append(span)
    return out


# Other countries' national ids have no shape of their own (11 digits, "JX 57 95 33 C", a codice
# fiscale): they count only right after a word that names one, in the languages events come in.
_NATIONAL_ID = re.compile(
    r"(?i:\b(?:ssn|social security(?: number| no\.?)?|national (?:id|insurance)(?: number| no\.?)?"
    r"|tax ?id|steuer-?id|steuer(?:identifikations)?nummer|(?:personal)?ausweis(?:nummer)?"
    r"|documento(?: de identidad| di identità)?|id[- ]?(?:number|no\.?|card)|identity (?:number|card)"
    r"|passport(?: number| no\.?)?|nino|dni|nie|nif|nir|bsn|burgerservicenummer|pesel|codice fiscale|cpf"
    r"|t\.?c\.? kimlik(?: no)?|kimlik(?: no)?|rodné číslo|personnummer)\b|身份证(?:号码?)?|주민등록번호)"
    r"\s{0,3}[:#=]?\s{0,3}['\"«]?(?P<id>[A-Za-z0-9](?:[A-Za-z0-9]|[./-](?=[A-Za-z0-9])| (?=\d)){5,24})"
)


def detect_national_id(text: str) -> list[Span]:
    """A national id (Steuer-ID, NIR, BSN, PESEL, DNI, NINO, codice fiscale, ...) named by the word before it."""
    if digit_count(text) < 5:
        return []
    return [Span(m.start("id"), m.end("id"), "US_SSN", "national_id") for m in _NATIONAL_ID.finditer(text)
            if digit_count(m.group("id")) >= 5]


detect_crypto = _gated("CRYPTO", re.compile(r"(?:bc1|\b[13])[a-zA-HJ-NP-Z0-9]{25,}"))
detect_mac = _gated("MAC_ADDRESS", re.compile(r"[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}\1[0-9A-Fa-f]{2}"))


# --- our own formats --------------------------------------------------------------------------

_DIGIT = re.compile(r"\d")
_CARD = re.compile(r"(?<![\w.-])(?:\d[ -]?){11,18}\d(?![\w-]|\.\d)")


def _ascii_digits(digits: str) -> str:
    """Decimal digits of any script as ASCII ones: ``\\d`` takes ٤ and ४ too, and a card number
    written in them is still one."""
    return digits if digits.isascii() else "".join(str(unicodedata.decimal(c)) for c in digits)


def _luhn_total(digits: str) -> int:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total


def luhn_valid(digits: str) -> bool:
    return _luhn_total(digits) % 10 == 0


def luhn_check_digit(body: str) -> str:
    """The one digit that makes ``body`` followed by it pass :func:`luhn_valid`: the last digit
    is not doubled, so it must bring the total of ``body`` in the places before it to a ten."""
    return str(-_luhn_total(body + "0") % 10)


def card_brand_ok(digits: str) -> bool:
    """Visa, Mastercard (incl. 2-series), Amex, Discover, JCB, Diners, UnionPay, Maestro."""
    n = len(digits)
    if digits[0] == "4":
        return n in (13, 16, 19)
    two, four = int(digits[:2]), int(digits[:4])
    if 51 <= two <= 55 or 2221 <= four <= 2720:
        return n == 16
    if two in (34, 37):
        return n == 15
    if digits.startswith(("6011", "65", "644", "645", "646", "647", "648", "649", "62")):
        return 16 <= n <= 19
    if 3528 <= four <= 3589:
        return 16 <= n <= 19
    if two in (36, 38, 30, 39):
        return 14 <= n <= 19
    if digits.startswith(("50", "56", "57", "58", "6304", "67")):
        return 12 <= n <= 19
    return False


def detect_card(text: str) -> list[Span]:
    return _in_core(card_spans, text, "CREDIT_CARD", _detect_card_here)


def _detect_card_here(text: str) -> list[Span]:
    spans = []
    for m in _CARD.finditer(text):
        raw = m.group(0)
        if len(set(_DIGIT.sub("", raw))) > 1:
            continue
        digits = _ascii_digits(raw.replace(" ", "").replace("-", ""))
        if 12 <= len(digits) <= 19 and luhn_valid(digits) and card_brand_ok(digits):
            spans.append(Span(m.start(), m.end(), "CREDIT_CARD", "card"))
    return spans


_PHONE = re.compile(
    r"(?<![\w+/.:-])(?:\+|00)?(?:\(\d{1,5}\)|\d{1,4})(?:[ .\-/]?(?:\(\d{1,5}\)\d{0,5}|\d{2,5}|(?<=[ .\-/])\d)){1,6}"
    r"(?:\s?(?:x|ext\.?)\s?\d{1,5})?(?![\w/:-]|\.\d)"
)
_PHONE_CUE = re.compile(r"(?i)phone|tel\b|tel\.|mobil|call|cell|fax|sms|whatsapp|contact|rufnummer|telefon|numéro")
_NANP = re.compile(r"\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}")
_DATE_LIKE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{2}:\d{2}")
_GROUPED = re.compile(r"\d[ \-/()]+\d")
_PHONE_REGIONS = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "PL", "BR", "CH", "AT", "IN")


def detect_phone(text: str) -> list[Span]:
    """Phone-shaped digit groups, accepted when written internationally, in NANP layout, with a
    phone cue shortly before, or as a whole value grouped by spaces, dashes or parentheses
    (``601 523 807``); and when phonenumbers finds them possible for some region. Bare digit
    runs need a cue: without one they are ids, amounts and timestamps. The compiled core reads
    ASCII text (``_phone_finder``)."""
    return _in_core(_phone_spans(), text, "PHONE_NUMBER", _detect_phone_here)


def _detect_phone_here(text: str) -> list[Span]:
    if digit_count(text) < 7:
        return []
    cued = None
    spans = []
    for m in _PHONE.finditer(text):
        raw = m.group(0).rstrip()
        core = raw.split("x")[0].split("ext")[0]
        n = sum(map(str.isdigit, core))
        if not 7 <= n <= 15 or _DATE_LIKE.fullmatch(raw):
            continue
        international = raw.startswith(("+", "00"))
        if not (international or _NANP.fullmatch(core.strip()) or "(" in raw):
            if cued is None:
                cued = bool(_PHONE_CUE.search(text))
            near_cue = cued and bool(_PHONE_CUE.search(text, max(0, m.start() - 40), m.start()))
            grouped = bool(_GROUPED.search(core))
            whole = not text[:m.start()].strip() and not text[m.start() + len(raw):].strip()
            if not (near_cue or (whole and grouped)
                    or (cued and (grouped or re.search(r"[.]", core) or core.startswith("0")))):
                continue
        if _possible_phone(core, international):
            spans.append(Span(m.start(), m.start() + len(raw), "PHONE_NUMBER", "phone"))
    return spans


@cache
def _phone_finder() -> PhoneFinder | None:
    """detect_phone for ASCII text in the compiled core, with phonenumbers' parse and
    ``is_possible_number`` replicated on its own metadata (``_phone_plan``), and the international
    prefix of each region ``_possible_phone`` tries. None (every number parsed by phonenumbers)
    should a region tried not be its calling code's main one, or a pattern be beyond Rust's
    engine. ``tests/test_core.py`` holds the two alike."""
    from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata, region_code_for_country_code

    regions = [PhoneMetadata.metadata_for_region(region) for region in _PHONE_REGIONS]
    if any(region_code_for_country_code(plan.country_code) != region for plan, region in zip(regions, _PHONE_REGIONS)):
        return None
    try:
        return PhoneFinder(_PHONE_CUE.pattern, _DATE_LIKE.pattern, _NANP.pattern, _GROUPED.pattern,
                           list(COUNTRY_CODE_TO_REGION_CODE),
                           [(plan.country_code, plan.international_prefix) for plan in regions], _phone_plan)
    except (ValueError, TypeError):  # a pattern beyond Rust's engine; a region without an international prefix
        return None


def _phone_plan(code: int) -> tuple[str | None, str | None, str | None, list[int], list[int]] | None:
    """What the core reads of calling code ``code``'s main region, when a number first needs it
    (loading every region's metadata would take 40 ms and 20 MB): its national prefix, the rule
    that rewrites it, the pattern and the possible lengths of its numbers."""
    from phonenumbers import PhoneMetadata, region_code_for_country_code

    plan = PhoneMetadata.metadata_for_region_or_calling_code(code, region_code_for_country_code(code))
    if plan is None:
        return None
    general = plan.general_desc
    return (plan.national_prefix_for_parsing or None, plan.national_prefix_transform_rule or None,
            general.national_number_pattern or None, list(general.possible_length),
            list(general.possible_length_local_only))


@cache
def _phone_spans() -> Callable[[str], list[tuple[int, int]] | None] | None:
    finder = _phone_finder()
    return None if finder is None else finder.spans


_BARE_NUMBER = re.compile(r"\s*\+?\d{7,15}\s*")


def detect_phone_value(text: str) -> list[Span]:
    """A whole value that is nothing but a possible phone number in bare digits; for
    fields people type into (a search box), where a long number is far likelier a phone
    than an id. Selectors in the policy say which fields those are."""
    if not _BARE_NUMBER.fullmatch(text):
        return []  # grouped numbers are the ordinary phone detector's
    value = text.strip()
    if not (value.startswith("0") or _possible_phone(value, value.startswith("+"))):
        return []
    start = text.index(value)
    return [Span(start, start + len(value), "PHONE_NUMBER", "phone")]


@lru_cache(maxsize=65_536)
def _possible_phone(raw: str, international: bool) -> bool:
    finder = _phone_finder()
    possible = None if finder is None else finder.possible(raw, international)
    return possible if possible is not None else _parsed_possible(raw, international)


def _parsed_possible(raw: str, international: bool) -> bool:
    """Whether phonenumbers finds ``raw`` a possible number, written internationally or in one of
    the regions in turn: ``_phone_finder``'s reference."""
    import phonenumbers

    attempts: list[tuple[str, str | None]] = []
    if international:
        attempts.append(("+" + raw[2:] if raw.startswith("00") else raw, None))
    if not international or raw.startswith("00"):  # 00 is also a German-style (00021) area code
        attempts.extend(zip(repeat(raw), _PHONE_REGIONS))
    for text, region in attempts:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(number):
            return True
    return False


_JWT = re.compile(r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")


def detect_jwt(text: str) -> list[Span]:
    """Three base64url parts, the first two JSON objects (``eyJ``). The compiled core reads ASCII text."""
    return _in_core(jwt_spans, text, "JWT", _detect_jwt_here)


def _detect_jwt_here(text: str) -> list[Span]:
    if "eyJ" not in text:
        return []
    return [Span(m.start(), m.end(), "JWT", "jwt") for m in _JWT.finditer(text)]


_PEM = re.compile(r"-----BEGIN ([A-Z0-9 ]{3,40})-----(.+?)-----END \1-----", re.S)


def detect_pem(text: str) -> list[Span]:
    """The body of a PEM block. The compiled core reads ASCII text."""
    return _in_core(pem_spans, text, "PEM_KEY", _detect_pem_here)


def _detect_pem_here(text: str) -> list[Span]:
    if "-----BEGIN " not in text or "-----END " not in text:
        return []
    return [Span(m.start(2), m.end(2), "PEM_KEY", "pem") for m in _PEM.finditer(text)]


_API_KEY = re.compile(
    r"(?<![\w])(?:(?:sk|pk|rk)_(?:live|test)_[0-9A-Za-z]{10,}|gh[pousr]_[0-9A-Za-z]{30,}"
    r"|github_pat_[0-9A-Za-z_]{30,}|(?:AKIA|ASIA)[0-9A-Z]{16}|xox[abposr]-[0-9A-Za-z-]{10,}"
    r"|glpat-[0-9A-Za-z_-]{20,}|AIza[0-9A-Za-z_-]{35}|SG\.[\w-]{16,}\.[\w-]{16,}"
    r"|npm_[0-9A-Za-z]{36}|shp(?:at|ss|ca|pa)_[0-9a-fA-F]{32}|sq0atp-[\w-]{22})(?![\w])"
)
_API_KEY_GATE = re.compile(r"_(?:live|test)_|gh[pousr]_|github_pat_|AKIA|ASIA|xox|glpat-|AIza|SG\.|npm_|shp|sq0")


def detect_api_key(text: str) -> list[Span]:
    """Providers' keys by their prefixes (``sk_live_``, ``AKIA``, ``xoxb-``). The compiled core
    reads ASCII text."""
    return _in_core(api_key_spans, text, "API_KEY", _detect_api_key_here)


def _detect_api_key_here(text: str) -> list[Span]:
    if not _API_KEY_GATE.search(text):
        return []
    return [Span(m.start(), m.end(), "API_KEY", "api_key") for m in _API_KEY.finditer(text)]


# In a web URL "?" and "#" end the authority; a database or broker DSN's password often holds them
# unescaped (mysql://app:Pa55#word@db), so there they are part of it.
_URL_CREDS = re.compile(r"(?<![a-zA-Z0-9+.-])(?:(?i:https?)://([^/\s:@?#'\"]*)(?::([^/\s@?#'\"]*))?"
                        r"|(?!(?i:https?)://)[a-zA-Z][a-zA-Z0-9+.-]*://([^/\s:@?#'\"]*)(?::([^/\s@'\"]*))?)@")


def detect_url_credentials(text: str) -> list[Span]:
    """``scheme://user:password@host``, also with the user left out (``redis://:pw@host``)."""
    if "://" not in text or "@" not in text:
        return []
    spans = []
    for m in _URL_CREDS.finditer(text):
        user, password = (1, 2) if m.group(1) is not None else (3, 4)
        if m.group(user):  # a DSN's user is a service account: faked where it is, not everywhere ("shop")
            entity = "USERNAME" if user == 1 else "GENERIC"
            spans.append(Span(m.start(user), m.end(user), entity, "url_credentials"))
        if m.group(password):
            spans.append(Span(m.start(password), m.end(password), "SECRET", "url_credentials"))
    return spans


_ASSIGNMENT = re.compile(
    r"(?i)(?<![\w])(?:password|passwd|pwd|secret|api[_-]?key|apikey|access[_-]?token|auth[_-]?token"
    r"|refresh[_-]?token|token|client[_-]?secret|private[_-]?key|session[_-]?id|sessionid|sid|pass"
    r"|(?:aws[_-]?)?secret[_-]?access[_-]?key|account[_-]?key|shared[_-]?access[_-]?key)['\"]?"
    r"\s*(?:=>|=|:)\s*(?:(['\"])(?P<quoted>[^'\"\s]{1,256})\1|(?P<bare>[^\s'\",;&)}\]]{1,256}))"
)
_NOT_SECRETS = {"none", "null", "nil", "true", "false", "undefined", "[filtered]", "[redacted]", "***"}
# An Authorization header printed into a log line or a breadcrumb, or sent under another name
# (Authentication, X-Auth): scheme and credentials, faked as the header would be (Basic gets a
# fake user and password of the same shape).
_AUTH_LINE = re.compile(r"(?i:\b(?:proxy-|x-)?auth(?:orization|entication)?['\"]?\s*[:=]\s*['\"]?)"
                        r"(?P<value>(?i:basic|bearer|token|digest|negotiate) [A-Za-z0-9+/=._~-]{8,4096})")
# A whole value that is a scheme and credentials, whatever names it; the digit tells a credential
# from prose ("Basic authentication").
_AUTH_VALUE = re.compile(r"\s*(?P<value>(?i:basic|bearer|token) (?=[^\s\d]*\d)[A-Za-z0-9+/=._~-]{8,4096})\s*")


# Every name _ASSIGNMENT knows contains one of these (lower case).
_ASSIGNMENT_WORDS = ("pass", "pwd", "secret", "key", "token", "sid", "session")


def _may_hold_assignment(text: str) -> bool:
    """A substring test of the lower-cased text; ``(?i)`` also folds a few non-ASCII letters
    (the Kelvin sign is a ``k``), so other text goes to the regex."""
    return not text.isascii() or _mentions(text, _ASSIGNMENT_WORDS)


def detect_secret_assignment(text: str) -> list[Span]:
    """``password=hunter2``, ``'api_key': 'sk_...'``, ``token: abc``, ``Authorization: Basic ...``
    in logs, reprs and code."""
    whole = _AUTH_VALUE.fullmatch(text)
    found = [whole] if whole else _AUTH_LINE.finditer(text) if "auth" in text.casefold() else ()
    spans = [Span(m.start("value"), m.end("value"), "AUTHORIZATION", "secret_assignment") for m in found]
    for m in _ASSIGNMENT.finditer(text) if _may_hold_assignment(text) else ():
        group = "quoted" if m.group("quoted") is not None else "bare"
        if m.group(group).lower() in _NOT_SECRETS:
            continue
        spans.append(Span(m.start(group), m.end(group), "SECRET", "secret_assignment"))
    return spans


_USERNAME = re.compile(
    r"<(?:User|Customer|Account|Member|Profile|Person)\w{0,20}: (?P<repr>[^<>\s][^<>]{0,63})>"
    r"|(?i:\buser(?:name)? ['\"]?)(?P<subject>[\w" + _MARKS + r".@+-]{2,64})"
    r"(?=['\"]? (?i:logged|signed|authenticated|failed (?:to )?(?:log|sign|authenticat)))"
    r"|(?i:\b(?:user(?:name)?|uname)=)(?P<assigned>[\w" + _MARKS + r".@+-]{2,64})"
    r"|(?i:\b(?:log(?:ged)?[ -]?in|sign(?:ed)?[ -]?in|logon|authenticated|login \w+|sign-in \w+)"
    r" (?:for|as|by) (?:user )?['\"]?)(?P<cued>[\w" + _MARKS + r".@+-]{2,64})"
)
_USERNAME_GATE = re.compile(r"<[A-Z]|(?i:log|sign|authenticated|user(?:name)?=|uname=)")


_USERNAME_CUES = ("log", "sign", "authenticated", "user=", "username=", "uname=")


def _may_hold_username(text: str) -> bool:
    """The gate regex's case-insensitive words as substrings of the lower-cased text (for ASCII,
    where the two agree); its ``<[A-Z]`` only where there is a ``<``."""
    if not text.isascii():
        return bool(_USERNAME_GATE.search(text))
    return _mentions(text, _USERNAME_CUES) or ("<" in text and bool(_USERNAME_GATE.search(text)))


def detect_username(text: str) -> list[Span]:
    """Login names where code prints them: Django's ``<User: jdoe>``, "logged in as jdoe",
    "user jdoe logged in", "User jdoe failed login", "user=jdoe". The compiled core reads ASCII
    text (Python's ``re`` tries the pattern's four branches at every position: 45 us a text)."""
    if not _may_hold_username(text):
        return []
    found = username_spans(text)
    if found is None:
        found = _username_spans_here(text)
    return [Span(start, end, *SPAN_KINDS["USERNAME"]) for start, end in found
            if text[start:end].lower() not in _NOT_SECRETS]


def _username_spans_here(text: str) -> list[tuple[int, int]]:
    """(start, end) of the name each match of ``_USERNAME`` holds: the reference of the core's
    ``username_spans`` (``tests/test_core.py`` holds the two alike)."""
    return [m.span(next(g for g in ("repr", "subject", "cued", "assigned") if m.group(g) is not None))
            for m in _USERNAME.finditer(text)]


_DOB = re.compile(
    r"(?i:\b(?:dob|d\.o\.b\.?|born(?: on)?|birth[ _]?date|date[ _]of[ _]birth|birthday|geboren(?: am)?|né(?:e)? le|"
    r"geburtsdatum|date de naissance|fecha de nacimiento|data di nascita|data de nascimento|data urodzenia"
    r"|geboortedatum|födelsedatum|doğum tarihi|дата рождения|geb\.)[\s:=]{1,3}['\"«]?|生年月日[:：]?|出生日期[:：]?"
    r"|생년월일[:：]?)(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4})(?![\d:])"
)


# Every cue of _DOB contains one of these (lower case): a substring test, not a regex scan.
_DOB_CUES = ("dob", "d.o.b", "born", "birth", "geb", "né", "nacimiento", "nascita", "nascimento", "naissance",
             "urodzenia", "födelse", "doğum", "рождения", "生年月日", "出生日期", "생년월일")


def _has_birth_cue(text: str) -> bool:
    return _mentions(text, _DOB_CUES)


def detect_date_of_birth(text: str) -> list[Span]:
    """A date right after a birth cue ("DOB 1985-03-14", "born 14/03/1985"): other dates are events."""
    if digit_count(text) < 4 or not _has_birth_cue(text):
        return []
    return [Span(m.start(1), m.end(1), "DATE_OF_BIRTH", "date_of_birth") for m in _DOB.finditer(text)]


# A provider id mixes in a digit or a capital (cus_IacjdTd0lC6a0t); user_settings is a table. A cued
# id has a digit before its first hyphen (user-12345, customer #A-10293 after a short prefix), unlike a
# service (account-service-7d9f8b6c4).
_USER_ID = re.compile(
    r"\b(?:cus|usr|user|acct|cust)_(?=[a-z]*[A-Z0-9])[A-Za-z0-9]{8,32}\b"
    r"|(?i:\b(?:user|customer|member|account)(?:[ _]?id)?\b\s?[#:=]?\s?['\"]?)"
    r"(?P<cued>(?=-?(?:[A-Za-z]{1,3}-)?[A-Za-z0-9_]{0,64}\d)[A-Za-z0-9_-]{0,64}\d[A-Za-z0-9_-]{3,64})"
)  # ASCII text is read by the compiled core (core/src/user_id.rs), as this reads it
_USER_ID_GATE = re.compile(r"(?i)_[a-z0-9]{8}|user|customer|member|account")


_USER_ID_WORDS = ("user", "customer", "member", "account")


def _may_hold_user_id(text: str) -> bool:
    """An underscore or one of the gate regex's words (lower case, for ASCII) before the regex."""
    if text.isascii() and "_" not in text and not _mentions(text, _USER_ID_WORDS):
        return False
    return bool(_USER_ID_GATE.search(text))


def detect_user_id(text: str) -> list[Span]:
    """Ids of people: provider-style customer ids (``cus_...``) and ids with a digit right after
    "user", "customer", "account" ("for user 2725140", "customer #A-10293"). The compiled core
    reads ASCII text."""
    return _in_core(user_id_spans, text, "USER_ID", _detect_user_id_here)


def _detect_user_id_here(text: str) -> list[Span]:
    if not _may_hold_user_id(text):
        return []
    spans = []
    for m in _USER_ID.finditer(text):
        start, end = m.span("cued") if m.group("cued") is not None else m.span()
        spans.append(Span(start, end, "USER_ID", "user_id"))
    return spans


def _names(text: str) -> list[Span]:
    return _names_module().detect_names(text)


def _addresses(text: str) -> list[Span]:
    return _names_module().detect_addresses(text)


@cache
def _names_module():
    """``sanitizers.names``, imported on first use (it imports this module): a cached call costs
    a twentieth of an import statement, and the name and address detectors run on most strings."""
    from sanitizers import names

    return names


@cache
def prefilter() -> Prefilter:
    """The compiled core's one pass that rules detectors out of a text (``could_hold``), with
    the street words the address detector's own gate asks about (beyond ASCII, read with
    Python's ``lower()`` and ``\\w``: ``fakes.letter_table``) and the looser forms of its patterns."""
    from sanitizers.fakes import letter_table
    from sanitizers.names import address_screens, street_gate_words

    return Prefilter(*street_gate_words(), letter_table(), *address_screens())


#: Set in every mask of ``prefilter().could_hold`` as the engine uses it: the bit of the
#: detectors that core has no condition for, which always run.
ALWAYS = 1 << len(PREFILTERED)


def gate_reader(names: Iterable[str]) -> GateReader:
    """The leak gate's detectors ``names`` (in the gate's order) read by the compiled core as
    ``Sanitizer._gate_leak`` reads them: by their replicas where these read the text (ASCII, and
    for the IBAN, person and card replicas more), else by their functions. Only the replicas of the detectors in
    ``names`` are built: the presidio-backed ones import presidio."""
    return GateReader(prefilter(), [(name, detector_bit(name), core_replica(name), DETECTOR_FUNCTIONS[name])
                                    for name in names], ALWAYS)


def core_replica(name: str) -> Any:
    """What the compiled core reads text with as detector ``name`` does (``Finder`` in
    ``core/src/finder.rs``: ASCII text, and for the IBAN, person and card replicas more), or None where only Python
    reads it: a detector not replicated, or one whose presidio release no longer has what its
    replica copies. ``tests/test_core.py`` holds each replica to its detector."""
    if name == "EMAIL_ADDRESS":
        pattern = _email_pattern()
        return None if pattern is None else (pattern, _email_domains())
    if name == "CREDIT_CARD":
        return card_spans
    if name in _PRESIDIO_REPLICAS:
        spans = _PRESIDIO_REPLICAS[name]()
        return None if spans is None else spans.__self__  # each detector holds its replica's bound spans method
    if name == "PERSON":
        return _names_module().person_finder()
    if name == "PHONE_NUMBER":
        return _phone_finder()
    if name == "USERNAME":
        return list(_USERNAME_CUES), sorted(_NOT_SECRETS)
    if name in _SPANS_IN_CORE:
        return _SPANS_IN_CORE[name]
    return None


#: (entity, detector) of the spans of each detector the compiled core replicates (``core_replica``):
#: the Python readings and the core's scan (``Walker.screen_scans``) give them alike.
SPAN_KINDS = {"EMAIL_ADDRESS": ("EMAIL_ADDRESS", "email_address"), "CREDIT_CARD": ("CREDIT_CARD", "card"),
              "IBAN_CODE": ("IBAN_CODE", "iban_code"), "US_SSN": ("US_SSN", "us_ssn"),
              "IP_ADDRESS": ("IP_ADDRESS", "ip_address"), "PERSON": ("PERSON", "person"),
              "PHONE_NUMBER": ("PHONE_NUMBER", "phone"), "USER_ID": ("USER_ID", "user_id"),
              "USERNAME": ("USERNAME", "username"), "JWT": ("JWT", "jwt"), "API_KEY": ("API_KEY", "api_key"),
              "PEM_KEY": ("PEM_KEY", "pem")}
_PRESIDIO_REPLICAS = {"IBAN_CODE": _iban_finder, "US_SSN": _ssn_finder, "IP_ADDRESS": _ip_finder}
_SPANS_IN_CORE = {"USER_ID": user_id_spans, "JWT": jwt_spans, "API_KEY": api_key_spans, "PEM_KEY": pem_spans}


def detector_bit(name: str) -> int:
    """The bit of ``prefilter().could_hold``'s mask that lets detector ``name`` run."""
    return 1 << PREFILTERED.index(name) if name in PREFILTERED else ALWAYS


#: Detector name (as used in policies) to function.
DETECTOR_FUNCTIONS: dict[str, Detector] = {
    "JWT": detect_jwt,
    "PEM_KEY": detect_pem,
    "API_KEY": detect_api_key,
    "URL_CREDENTIALS": detect_url_credentials,
    "SECRET_ASSIGNMENT": detect_secret_assignment,
    "EMAIL_ADDRESS": detect_email,
    "CREDIT_CARD": detect_card,
    "IBAN_CODE": detect_iban,
    "US_SSN": detect_ssn,
    "NATIONAL_ID": detect_national_id,
    "IP_ADDRESS": detect_ip,
    "PHONE_NUMBER": detect_phone,
    "PHONE_VALUE": detect_phone_value,
    "MAC_ADDRESS": detect_mac,
    "CRYPTO": detect_crypto,
    "USERNAME": detect_username,
    "DATE_OF_BIRTH": detect_date_of_birth,
    "USER_ID": detect_user_id,
    "PERSON": _names,
    "ADDRESS": _addresses,
}
