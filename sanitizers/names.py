"""Names and street addresses in free text, without a language model.

Cheap signals that work offline (see DESIGN.md): a capitalized known first name followed by a
capitalized word; a title or a cue word ("Dear", "customer", "assigned to") before capitalized
words; the display name of a mailbox (``Jane Doe <jane@example.com>``); for addresses, a house
number next to a street word of one of many languages. Names found in structured fields
(``user.name``) reach free text through the engine's known-value propagation instead.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache

from sanitizers._core import SPACE_CLASS, AddressFinder, Pattern, PersonFinder
from sanitizers._screen import Screened
from sanitizers.detectors import SPAN_KINDS, Span, code_runs, digit_count, escaped_class
from sanitizers.gazetteer import first_names, last_names, street_words

__all__ = ["address_screens", "detect_addresses", "detect_names", "detect_person", "detect_device_owner", "detect_address",
           "detect_cued_address", "street_gate_words", "street_suffix"]

# The blocks of the Latin, Greek, Cyrillic and Armenian letters beyond ASCII: Latin-1 to Latin
# Extended-B and the IPA letters (Azerbaijani ə, African ɛ and ɔ), Greek and Coptic, Cyrillic and
# its supplement, Armenian, Latin Extended Additional (Vietnamese), Greek Extended (polytonic),
# Latin Extended-C and -D.
_CASED_BLOCKS = ((0xC0, 0x2AF), (0x370, 0x3FF), (0x400, 0x52F), (0x531, 0x58F), (0x1E00, 0x1EFF), (0x1F00, 0x1FFF),
                 (0x2C60, 0x2C7F), (0xA720, 0xA7FF))


def _cased_letters(case: Callable[[str], bool]) -> str:
    """The letters of ``_CASED_BLOCKS`` that ``case`` (``str.isupper``, ``str.islower``) holds, as
    the ranges of a class: Python's own reading of each letter, none left out by hand."""
    letters = code_runs(c for first, last in _CASED_BLOCKS for c in range(first, last + 1)
                        if chr(c).isalpha() and case(chr(c)))
    return "".join(chr(first) if first == last else f"{chr(first)}-{chr(last)}" for first, last in letters)


_UP = "A-Z" + _cased_letters(str.isupper)
_LOW = "a-z" + _cased_letters(str.islower)
# "Jane", "Jean-Luc", "O'Connor", "McDonald"; every repetition starts with a separator or a
# capital, so a failing match cannot backtrack through the ways of splitting a lowercase run.
_WORD = f"[{_UP}](?:[{_LOW}]+|['’](?=[{_UP}]))(?:['’-][{_UP}]?[{_LOW}]+|[{_UP}][{_LOW}]+)*"
_PARTICLES = ("van", "von", "der", "den", "de", "da", "del", "della", "di", "du", "le", "la", "dos", "das", "zu",
              "ten", "ter", "y", "bin", "al")
_PARTICLE = "(?:" + "|".join(_PARTICLES) + ")"
_SEQ = re.compile(
    rf"(?<![\w@.])({_WORD}(?:[ \t]+(?:{_PARTICLE}[ \t]+){{0,2}}{_WORD}){{0,3}})(?![\w@])"
)
_TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "herr", "frau", "mme", "mlle", "m",
           "sr", "sra", "sig", "sig.ra", "pan", "pani", "dhr", "mevr", "sir", "madam", "dame"}
_CUES = re.compile(
    r"(?i)(?:\b(?:dear|hi|hello|hey|customer|client|user|member|patient|guest|employee|"
    r"assigned to|assignee|reported by|created by|signed by|contact|recipient|sender|name|"
    r"holder|cardholder|kunde|kundin|cliente|signed in as|logged in as|for|by|to|from|"
    r"with|cc|attn)\b[\s:=,'\"]*|\bname[\"']?\s*[:=]\s*[\"']?)$"
)
# Greetings and sign-offs: whatever single capitalized word follows is a name ("Love, Isaías").
_GREETINGS = ("bonjour", "bonsoir", "salut", "hallo", "liebe", "lieber", "hola", "ciao", "buongiorno", "gentile",
              "caro", "cara", "olá", "ola", "prezado", "prezada", "hej", "hei", "cześć", "witaj", "szanowny",
              "szanowna", "merhaba", "sayın", "beste", "geachte", "здравствуйте", "привет", "уважаемый",
              "уважаемая", "dobrý", "vážený", "vážená")
_ADDRESSING = re.compile(
    r"(?i)\b(?:" + "|".join(_GREETINGS) + r"|dear|hi|hello|hey|welcome|welcome back|love|lots of love|regards|best|cheers|thanks|thank you|"
    r"yours|xoxo|hugs|sincerely|happy birthday|congratulations|congrats|ask for|attn)[\s:,]*$"
)
# Names in scripts without letter case (Han, kana, Hangul): one or two short runs of characters.
_UNCASED_NAME = re.compile(r"[\u3005\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]{1,4}(?:[ \u3000][\u3005\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]{1,4})?")
# Scripts whose names carry no capital either and have no name lists here: Hebrew, Arabic, the
# Indic scripts, Thai, Lao, Tibetan, Myanmar, Georgian, Ethiopic, Khmer.
_UNCASED_BLOCKS = ((0x590, 0x5FF), (0x600, 0x6FF), (0x750, 0x77F), (0x900, 0xDFF), (0xE00, 0xFFF), (0x1000, 0x109F),
                   (0x10D0, 0x10FF), (0x1200, 0x137F), (0x1780, 0x17FF))


def _uncased_class(marks: bool) -> str:
    """The letters of ``_UNCASED_BLOCKS`` (with ``marks``, their vowel signs and points too) as
    the ranges of a class."""
    return escaped_class(c for first, last in _UNCASED_BLOCKS for c in range(first, last + 1)
                         if chr(c).isalpha() or (marks and unicodedata.category(chr(c)).startswith("M")))


_UNCASED_WORD = f"[{_uncased_class(False)}][{_uncased_class(True)}]{{1,23}}"
# One to three such words: a name only after a cue ("Dear שרה כהן", "Name: محمد علي").
_CUED_UNCASED_NAME = re.compile(f"{_UNCASED_WORD}(?: {_UNCASED_WORD}){{0,2}}")
# Capitalized words that start sentences in error messages and are never names.
_NOT_NAMES = {
    "error", "invalid", "failed", "payment", "order", "request", "response", "user", "customer",
    "could", "cannot", "not", "the", "a", "an", "in", "on", "for", "to", "from", "by", "with",
    "at", "of", "and", "or", "is", "was", "has", "had", "sent", "receipt", "declined", "card",
    "address", "street", "email", "phone", "checkout", "profile", "search", "timeout", "key",
    "value", "type", "exception", "warning", "info", "debug", "critical", "traceback", "file",
    "line", "module", "none", "true", "false", "null", "get", "post", "put", "delete", "patch",
    "http", "https", "api", "json", "id", "uuid", "sku", "status", "code", "message", "mr", "mrs",
    "dear", "hello", "hi", "called", "calling", "new", "old", "shipping", "billing", "account",
    "internal", "server", "client", "service", "database", "connection", "unknown", "missing",
    "required", "field", "product", "item", "items", "cart", "total", "amount", "currency",
    "visa", "mastercard", "amex", "paypal", "stripe", "chrome", "firefox", "safari", "windows",
    "linux", "mac", "ios", "android", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday", "january", "february", "march", "september", "october", "november",
    "december", "blue", "red", "green", "black", "white", "shirt", "t-shirt", "size", "small",
    "medium", "large", "premium", "basic", "gold", "silver", "standard", "express", "contact",
    "kunde", "kundin", "cliente", "klant", "klient", "client", "utilisateur", "benutzer", "usuario",
    "name", *_GREETINGS,
}
# A Russian full name: family name, given name, patronymic ("Теттерин Зиновий Германович").
_PATRONYMIC = re.compile(r"(?i)(?:[оеё]?вич|[оеё]?вна|ична|инична)$")


_TITLED = re.compile(r"(?i)\b(?:" + "|".join(re.escape(t) for t in sorted(_TITLES)) + r")\.?\s+$")
_NOT_FIRST = _NOT_NAMES | _TITLES  # skipped at the start of a sequence ("Error Jane Doe", "Mr Doe")
# A mailbox after the name: "Jane Doe <jane@...", or a quoted display name '"Jane Doe" <...'.
# Matched with endpos end + 80; within three characters '"\s*<' can only be '"\s?<'.
_MAILBOX = re.compile(r'\s*<[^<>@\s]+@|"\s?<')


# How every _WORD starts, in ASCII text: a capital, then a lowercase letter or an apostrophe.
_ASCII_WORD_START = re.compile(r"[A-Z][a-z']")


def _may_hold_words(text: str) -> bool:
    """False only where _SEQ finds nothing: ASCII text without the start of a _WORD, or text
    without an upper-case character."""
    if text.isascii():
        return bool(_ASCII_WORD_START.search(text))
    return any(map(str.isupper, text))


def detect_person(text: str) -> list[Span]:
    """Spans of probable person names in ``text``. The engine reads text with the compiled core's
    replica (``person_finder``) wherever that reads it; this reading is the reference, and
    reads the rest (text beyond ASCII that may name a device, or holding whitespace beyond ASCII
    or a capital sigma, which the letters table leaves out)."""
    if not _may_hold_words(text):
        return _uncased_names(text)
    firsts, lasts = first_names(), last_names()
    spans = []
    for m in _SEQ.finditer(text):
        words = m.group(1).split()
        start, end = m.span(1)
        while words and words[0].lower().rstrip(".") in _NOT_FIRST:
            start = text.index(words[0], start) + len(words[0])
            start += len(text[start:]) - len(text[start:].lstrip())
            words = words[1:]
        if not words:
            continue
        while len(words) > 1 and words[-1].lower() in _NOT_NAMES and words[-1].lower() not in lasts:
            # "Jane Payment" is Jane; "Danielle White" stays whole. The run ends with the last
            # word, and blanks (spaces or tabs) separate the words.
            end = len(text[:end - len(words.pop())].rstrip(" \t"))
        first = words[0].lower()
        if first in _NOT_NAMES:
            continue
        # Set lookups first, the regexes around the name only if still needed: the tests have no
        # side effects, so their order changes nothing but the cost.
        before = text[max(0, start - 40):start]
        known_first = first in firsts
        if len(words) >= 2:
            known_lasts = first in lasts and any(w.lower() in lasts for w in words[1:])
            family_first = (len(words) == 2 and first in lasts and words[1].lower() in firsts) or (
                len(words) == 3 and words[1].lower() in firsts and bool(_PATRONYMIC.search(words[2])))
            found = (known_first or family_first or known_lasts or _TITLED.search(before) or _CUES.search(before)
                     or _MAILBOX.match(text, end, end + 80))
        else:
            found = (_TITLED.search(before) or _MAILBOX.match(text, end, end + 80)
                     or (known_first and _CUES.search(before)) or _ADDRESSING.search(before))
        if found:
            spans.append(Span(start, end, "PERSON", "person"))
    return spans + _uncased_names(text)


_DEVICE = (r"(?:macbook(?:-?(?:pro|air))?|imac|iphone|ipad|mac-?mini|mac|mbp|pixel(?:[ -]?\d+\w*)?(?:[ -](?:pro|xl|a))?"
           r"|galaxy(?:[ -][\w+]+)?|oneplus(?:[ -]\w+)?|thinkpad|laptop|desktop|notebook|surface|pc|workstation)")
_LETTERS = "A-Za-zÀ-ÖØ-öø-ɏА-яЁё"
# Devices are named after their owners: "Claudines-MacBook-Pro.local", "Jane's iPhone",
# "iPhone de María", "Pixel 8 Pro von Artur Drobik", "jdoe-thinkpad".
_DEVICE_OWNER = re.compile(
    rf"(?i)(?<![\w'’-])(?P<owner>[{_LETTERS}]{{2,30}}?)(?:['’]s|s)[ -]{_DEVICE}\b"
    rf"|\b{_DEVICE}[ -](?:de|von|di|van|da|av|od|of)[ -](?P<named>[{_LETTERS}][{_LETTERS}'’-]+(?:[ -][{_LETTERS}][{_LETTERS}'’-]+)?)"
    rf"|(?<![\w.-])(?P<user>[a-z][a-z0-9._]{{2,30}})-{_DEVICE}\b"
    rf"|\b(?:desktop|laptop|pc)-(?P<first>[{_LETTERS}]{{3,20}})\b"  # Windows: DESKTOP-ESTHER
    rf"|\b{_DEVICE}[^()\n]{{0,20}}\((?P<paren>[{_LETTERS}][{_LETTERS}'’-]+(?: [{_LETTERS}][{_LETTERS}'’-]+)?)\)"
)


# Every match of _DEVICE_OWNER holds a device of _DEVICE at the start of a word, ending one or
# with a "(" within 20 characters after it: one search keeps the owner regex off most strings
# ("Espresso Machine" names no Mac), in Python and in the core (``person_finder``).
_DEVICE_GATE = re.compile(rf"(?i)\b{_DEVICE}(?:\b|[^()\n]{{0,20}}\()")
# Words that name a machine's job, not its owner ("build-macbook", "Office-PC").
_HOST_WORDS = {"build", "builder", "runner", "agent", "worker", "ci", "dev", "devs", "test", "tests", "qa", "prod",
               "staging", "stage", "web", "app", "api", "admin", "office", "lab", "labs", "shared", "home", "my",
               "work", "team", "teams", "sales", "support", "server", "host", "node", "jenkins", "github", "gitlab",
               "kiosk", "demo", "guest", "old", "new", "spare", "loaner", "the"}


def detect_device_owner(text: str) -> list[Span]:
    """The owner's name (or login) in a device or host name. A login is faked where it is
    (GENERIC, not propagated): a host name is a poor witness that a word is someone's login."""
    if not _DEVICE_GATE.search(text):
        return []
    spans = []
    for m in _DEVICE_OWNER.finditer(text):
        group = next(g for g in ("owner", "named", "user", "first", "paren") if m.group(g) is not None)
        word = m.group(group).lower()
        if group == "first" and word not in first_names():
            continue  # DESKTOP-7F3K2L is Windows' own name; DESKTOP-ESTHER is Esther's
        if word not in _NOT_NAMES and word not in _HOST_WORDS:
            spans.append(Span(m.start(group), m.end(group), "GENERIC" if group == "user" else "PERSON", "person"))
    return spans


def detect_names(text: str) -> list[Span]:
    """The person detector and the device owner detector, by the compiled core where it reads
    the text (all but text beyond ASCII that may name a device, or that the letters table
    does not read)."""
    found = person_finder().find(text)
    if found is None:
        return detect_person(text) + detect_device_owner(text)
    spans, devices = found
    owners = detect_device_owner(text) if devices else []
    return [Span(start, end, *SPAN_KINDS["PERSON"]) for start, end in spans] + owners


def detect_addresses(text: str) -> list[Span]:
    return detect_address(text) + detect_cued_address(text)


@cache
def person_finder() -> PersonFinder:
    """``detect_person`` and ``detect_device_owner``'s gate in the compiled core
    (``core/src/names.rs``): the same particles and word lists, the patterns around a name as they
    read ASCII text; beyond ASCII, Python's letters (``fakes.letter_table``) of ``_CASED_BLOCKS``,
    and the patterns themselves where the text around a name is beyond ASCII, with
    ``_uncased_names``. ``tests/test_core.py`` holds its spans to ``detect_person``'s."""
    from sanitizers.fakes import letter_table

    return PersonFinder(list(_PARTICLES), list(first_names()), list(last_names()), list(_NOT_FIRST),
                        list(_NOT_NAMES), _ascii_pattern(_TITLED), _ascii_pattern(_CUES), _ascii_pattern(_ADDRESSING),
                        "^(?:" + _ascii_pattern(_MAILBOX) + ")", _ascii_pattern(_DEVICE_GATE), letter_table(),
                        list(_CASED_BLOCKS), (_TITLED.search, _CUES.search, _ADDRESSING.search, _MAILBOX.match,
                                              _PATRONYMIC.search, _uncased_names))


_ASCII = "".join(map(chr, range(128)))


def _ascii_pattern(pattern: re.Pattern[str]) -> str:
    """``pattern`` (searched, or matched at a place) for Rust's engine, as it reads ASCII text:
    ``\\s`` as Python's, a final ``$`` as its end or before a last newline, and a letter beyond
    ASCII as the ASCII letters it matches ignoring case (``ı`` matches ``i``); any other stays, as
    it never matches ASCII text."""
    source = pattern.pattern.replace(r"\s", SPACE_CLASS)  # Rust's \s lacks \x1c-\x1f
    if source.endswith("$"):
        source = source[:-1] + r"\n?\z"
    flags = re.IGNORECASE if pattern.flags & re.IGNORECASE else 0
    out = []
    for char in source:
        same = [] if char.isascii() else [a for a in _ASCII if a.isalpha() and re.fullmatch(re.escape(char), a, flags)]
        out.append("[" + "".join(same) + "]" if same else char)
    return "".join(out)


def _uncased_names(text: str) -> list[Span]:
    """Han, kana and Hangul names carry no capital to spot them by: take them after a cue, or
    when a part is a known name. Names in the other uncased scripts, after a cue only."""
    if text.isascii():
        return []
    firsts, lasts = first_names(), last_names()
    spans = []
    for m in _UNCASED_NAME.finditer(text):
        before = text[max(0, m.start() - 40):m.start()]
        parts = m.group(0).split()
        if (_CUES.search(before) or _ADDRESSING.search(before)
                or any(part in firsts or part in lasts for part in parts)
                or (len(parts) == 1 and 2 <= len(parts[0]) <= 3 and _standalone(text, m.start(), m.end())
                    and (parts[0][0] in lasts or parts[0][:2] in lasts))):
            spans.append(Span(m.start(), m.end(), "PERSON", "person"))
    if max(text) < chr(_UNCASED_BLOCKS[0][0]):  # Latin, Greek and Cyrillic text: none of their letters
        return spans
    for m in _CUED_UNCASED_NAME.finditer(text):
        before = text[max(0, m.start() - 40):m.start()]
        if _CUES.search(before) or _ADDRESSING.search(before):
            spans.append(Span(m.start(), m.end(), "PERSON", "person"))
    return spans


def _standalone(text: str, start: int, end: int) -> bool:
    """A run of two or three uncased characters on its own ("「周云」", "q=王利") reads as a family
    name and a given name; inside a longer run it is part of a word ("高级搜索失败")."""
    return not (start and _UNCASED_NAME.match(text[start - 1])) and not (end < len(text) and _UNCASED_NAME.match(text[end]))


_NUM = r"\d{1,5}[a-zA-Z]?(?:[-/]\d{1,4}[a-zA-Z]?)?"
_POSTAL = r"(?:\d{4}[ \t]?[A-Z]{2}\b|\d{5}-?\d{3}\b|\d{4,5}(?:-\d{4})?|\d{2}-\d{3}|[A-Z]{1,2}\d[A-Z\d]?[ \t]\d[A-Z]{2})"


def _address_patterns(word: str) -> tuple[str, str, str, str]:
    """(``_NUMBER_FIRST``, ``_NUMBER_LAST``, ``_POSTAL_AFTER``, each without the lookarounds at
    its ends, and ``_TAIL``) with ``word`` for a capitalized word: ``_WORD`` for Python, and for
    the compiled core (``address_finder``) ``_WORD`` without its apostrophe's branch, which never
    matches in the text the core reads (ASCII, no apostrophe between two capitals)."""
    addr_word = rf"(?:{word}|[{_LOW}]+\.?|[A-Z]{{1,2}}\b\.?|\d{{1,3}}(?:st|nd|rd|th)\b)"
    place = rf"{word}(?:[ \t]+(?:{_PARTICLE}[ \t]+)?{word}){{0,3}}"
    # "12 Main Street", "1600 Pennsylvania Avenue NW", "12 Rue de la Paix"
    number_first = rf"{_NUM},?[ \t]+((?:{addr_word}[ \t]+){{0,5}}{addr_word})"
    # "Hauptstraße 5", "Rue de la Paix 12", "ul. Długa 3", "Via Roma, 10", "Kerkstraat 7"
    number_last = rf"((?:{addr_word}[ \t]+){{0,5}}{addr_word}\.?),?[ \t]+{_NUM}"
    # No house number, but a street word first and a postal code after the comma (Brazil writes
    # addresses like this): "Vila Moraes, 69007128 Sul", "Rua das Flores, São Paulo - 01310-100"
    postal_after = (rf"({word}(?:[ \t]+(?:{_PARTICLE}[ \t]+)?{word}){{1,4}}),[ \t]+"
                    rf"(?:{_POSTAL}[ \t]+{place}|{place}[ \t]+-[ \t]+{_POSTAL})")
    # A unit, then a postal code and city: ", 75002 Paris", "\n10115 Berlin", ", Springfield, IL 62704"
    tail = (rf"^(?:,?[ \t]*(?:Apt\.?|Suite|Unit|Flat|Wohnung|App\.?)[ \t]*[\w-]+)?"
            rf"(?:(?:,[ \t]*|\n)(?:{_POSTAL}[ \t]+)?{word}(?:[ \t]+{word}){{0,2}}"
            rf"(?:,?[ \t]*[A-Z]{{2}})?(?:[ \t]+{_POSTAL})?)?")
    return number_first, number_last, postal_after, tail


_FIRST, _LAST, _AFTER, _TAIL_PATTERN = _address_patterns(_WORD)
# What comes before each address pattern's match, and after _NUMBER_LAST's: no part of a word.
_NOT_AFTER_NUMBER_FIRST, _NOT_AFTER, _NOT_BEFORE_LAST = r"[\w.,:-]", r"[\w]", r"[\w.:-]"  # (a dot before a digit too)
_NUMBER_FIRST = Screened(re.compile(rf"(?<!{_NOT_AFTER_NUMBER_FIRST}){_FIRST}"))
_NUMBER_LAST = Screened(re.compile(rf"(?<!{_NOT_AFTER}){_LAST}(?!{_NOT_BEFORE_LAST})"))
_POSTAL_AFTER = Screened(re.compile(rf"(?<!{_NOT_AFTER}){_AFTER}"))
_TAIL = re.compile(_TAIL_PATTERN)
# Street types glued to the name: Hauptstraße, Kerkstraat, Storgatan.
_GLUED = ("straße", "strasse", "str.", "weg", "gasse", "platz", "allee", "damm", "straat", "laan",
          "gracht", "plein", "dreef", "singel", "kade", "steeg", "hof", "markt", "plantsoen", "baan",
          "boulevard", "dijk", "kanaal", "vej", "gatan", "vägen", "katu", "utca")
# Also endings of English words (String, Monitoring, Keypad, Renewal): a street only after a stem of
# four letters or more that ends in a consonant (Kaiserring, Fietspad, Stadswal).
GLUED_AMBIGUOUS = ("ring", "pad", "wal")
_GLUED_SUFFIX = re.compile(r"(?i)(?:(?<=.)(?:" + "|".join(map(re.escape, _GLUED)) + r")"
                           r"|(?<=\w{3}[^\W\daeiouy])(?:" + "|".join(GLUED_AMBIGUOUS) + "))$")
_UNITS = {"apt", "suite", "unit", "flat", "wohnung", "app", "ste"}


# An address named as one ("Address validation failed: ...", "Geocoding '...'", «...» after
# "dirección"): streets without a known street type, in any script, are only found this way.
_ADDRESS_CUE = re.compile(
    r"(?i:\b(?:(?:shipping |billing |delivery |postal )?address|adresse|adres[ua]?|dirección|direccion|indirizzo"
    r"|endereço|anschrift|geocod\w*)\b|адрес\w*|주소|地址)"
    r"(?:[^'\"«„「:\n]{0,30}?(?P<open>['\"«„「])(?P<quoted>[^'\"»“」\n]{3,80})(?=['\"»“」])"
    r"|[^'\"«„「:\n]{0,30}?: (?P<colon>[^\n\[\](){}<>]{3,80}?)(?=\s*(?:[\[\](){}<>\n]|$)))"
)


# A part of every ASCII cue word of _ADDRESS_CUE.
_ASCII_ADDRESS_CUES = re.compile("addres|adres|direccion|indirizzo|anschrift|geocod")


def _may_hold_address_cue(text: str) -> bool:
    """A search of the lower-cased text, without the slower case-insensitive scan of _ADDRESS_CUE;
    ``(?i)`` also folds a few non-ASCII letters (ı is an i, ſ an s), so other text goes to the regex."""
    return not text.isascii() or bool(_ASCII_ADDRESS_CUES.search(text.lower()))


def detect_cued_address(text: str) -> list[Span]:
    """Addresses right after a word naming one, quoted or after a colon."""
    if not _may_hold_address_cue(text):
        return []
    spans = []
    for m in _ADDRESS_CUE.finditer(text):
        group = "quoted" if m.group("quoted") is not None else "colon"
        value = m.group(group)
        if any(map(str.isalpha, value)) and "@" not in value and "://" not in value:
            spans.append(Span(m.start(group), m.end(group), "ADDRESS", "address"))
    return spans


def detect_address(text: str) -> list[Span]:
    """Street addresses: a house number next to words that include a street type. ASCII text
    is read by the compiled core (``address_finder``); this reading is its reference."""
    found = address_finder().spans(text) if text.isascii() else None
    if found is not None:
        return [Span(start, end, "ADDRESS", "address") for start, end in found]
    return _detect_address_here(text)


# _WORD without its apostrophe's branch (O'Connor), whose lookahead Rust's engine lacks
_WORD_WITHOUT_APOSTROPHE = _WORD.replace(f"|['’](?=[{_UP}])", "")
# A class of a pattern (none here starts with "]"), and a character or range of one beyond ASCII
_CLASS = re.compile(r"\[(?:\\.|[^\]\\])*\]")
_BEYOND_ASCII = re.compile(r"[^\x00-\x7f]-[^\x00-\x7f]|[^\x00-\x7f]")


def _ascii_classes(pattern: str) -> str:
    """``pattern`` as it reads ASCII text: the characters and ranges beyond ASCII taken out of
    its classes (none matches such text, and Rust's engine runs a class of them as a large
    automaton, a capture's search through it ten times slower); none of its ranges goes from
    ASCII beyond it, and it holds no character beyond ASCII outside a class."""
    out = _CLASS.sub(lambda m: _BEYOND_ASCII.sub("", m.group()), pattern)
    assert out.isascii() and not re.search(r"[\x00-\x7f]-[^\x00-\x7f]", pattern), pattern
    return out


@cache
def address_finder() -> AddressFinder:
    """``detect_address`` of ASCII text in the compiled core (``core/src/address.rs``): the same
    patterns, word lists and steps. ``tests/test_detector_gates.py`` holds the two alike."""
    stems, _, short_runs, short = _street_gate()
    return AddressFinder([_ascii_classes(p) for p in _address_patterns(_WORD_WITHOUT_APOSTROPHE)],
                         [_NOT_AFTER_NUMBER_FIRST, _NOT_AFTER],
                         _NOT_BEFORE_LAST, sorted(street_words()), sorted(_UNITS), list(_GLUED), list(GLUED_AMBIGUOUS),
                         sorted(stems), sorted(short_runs), short, list(_GLUED_ENDINGS))


def _detect_address_here(text: str) -> list[Span]:
    if " " not in text and "\t" not in text:
        return []  # every address pattern separates its words with spaces or tabs
    if not digit_count(text) or not _mentions_street(text):
        return []
    spans = []
    for m in _NUMBER_FIRST.finditer(text):
        words = m.group(1).split()
        units = [i for i, w in enumerate(words) if w.lower().rstrip(".") in _UNITS]
        words = words[:units[0]] if units else words
        while words and not (_is_street(words[-1]) or words[-1][:1].isupper()):
            words.pop()
        if len(words) >= 2 and any(_is_street(w) for w in words) and words[-1][:1].isupper() or (
                len(words) >= 2 and _is_street(words[-1])):
            end = text.index(words[-1], m.start(1)) + len(words[-1])
            spans.append(Span(m.start(), _with_tail(text, end), "ADDRESS", "address"))
    for m in _NUMBER_LAST.finditer(text):
        words = m.group(1).split()
        starts = [i for i, w in enumerate(words) if _is_street(w)]
        if not starts:
            continue
        first = starts[0]
        offset = m.start(1)
        for w in words[:first]:
            offset = text.index(w, offset) + len(w)
        start = text.index(words[first], offset)
        if not any(w[:1].isupper() for w in words[first:]):
            continue
        spans.append(Span(start, _with_tail(text, m.end()), "ADDRESS", "address"))
    spans.extend(Span(m.start(), m.end(), "ADDRESS", "address") for m in _POSTAL_AFTER.finditer(text)
                 if _is_street(m.group(1).split()[0]))
    return spans


_LETTERS = re.compile(r"[^\W\d_]+")
GLUED_TYPES = _GLUED + GLUED_AMBIGUOUS  # every street type _GLUED_SUFFIX ends a word with
_GLUED_ENDINGS = tuple(ending.rstrip(".") for ending in GLUED_TYPES)  # words of _LETTERS carry no dot


@cache
def _street_gate() -> tuple[frozenset[str], re.Pattern[str], frozenset[str], list[str]]:
    """Street words of three letters or more as a set of letter runs; the short ones ("St.",
    "c/", "ul.") as a pattern of whole words, since as letter runs they hide in every hex id,
    and the letter runs they start with; and the short ones, the longest first."""
    long_words = frozenset(w for w in street_words() if len(w.rstrip(".")) > 2 and w.rstrip(".").isalpha())
    short = sorted((w for w in street_words() if w not in long_words), key=len, reverse=True)
    pattern = re.compile(r"(?i)(?<!\w)(?:" + "|".join(re.escape(w) for w in short) + r")(?!\w)")
    short_runs = frozenset(_LETTERS.match(w).group() for w in short)
    return frozenset(stem for word in long_words for stem in _LETTERS.findall(word.lower())), pattern, short_runs, short


def street_gate_words() -> tuple[list[str], list[str], list[str], list[str]]:
    """(stems, short runs, glued endings, short street words): what ``_mentions_street`` asks of
    a text, for the compiled core's prefilter to ask first."""
    stems, _, short_runs, short = _street_gate()
    return sorted(stems), sorted(short_runs), list(_GLUED_ENDINGS), short


def address_screens() -> tuple[Pattern | None, list[Pattern]]:
    """The looser forms (``_screen.looser``) of ``_ADDRESS_CUE`` (None where it has none) and of
    the patterns of a house number next to a street (none where one has none): the compiled
    core's prefilter lets ASCII text through to the address detectors only where one matches."""
    cue = Screened(_ADDRESS_CUE).screen
    forms = [pattern.screen for pattern in (_NUMBER_FIRST, _NUMBER_LAST, _POSTAL_AFTER)]
    return cue, [] if None in forms else forms


def _mentions_street(text: str) -> bool:
    """Every address form needs a street word; one set test over the text's words rules most
    strings out before the address patterns run. A short street word starts with a whole letter
    run, which in ASCII text (where lower() folds case as ``(?i)`` does) is one of the words: a
    set test again, before the pattern's slower scan."""
    stems, short, short_runs, _ = _street_gate()
    words = _LETTERS.findall(text.lower())
    return (not stems.isdisjoint(words) or any(w.endswith(_GLUED_ENDINGS) and w not in _GLUED_ENDINGS for w in words)
            or (not (text.isascii() and short_runs.isdisjoint(words)) and bool(short.search(text))))


def _is_street(word: str) -> bool:
    w = word.lower().rstrip(",")
    streets = street_words()
    return w in streets or w.rstrip(".") in streets or street_suffix(w) != ""


def street_suffix(word: str) -> str:
    """The street type glued to a street name (``Hauptstraße`` → ``straße``), or ``""``. An ASCII
    word that ends in no street type (and in no newline, before which ``$`` matches) has none."""
    if word.isascii() and word[-1:] != "\n" and not word.lower().endswith(GLUED_TYPES):
        return ""
    m = _GLUED_SUFFIX.search(word)
    return m.group(0) if m else ""


def _with_tail(text: str, end: int) -> int:
    return end + len(_TAIL.match(text[end:]).group(0))
