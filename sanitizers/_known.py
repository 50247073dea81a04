"""Known originals: once a value is found anywhere in an event, it is replaced everywhere else.

An original may reappear URL-encoded, JSON-escaped or in lower case; the fake must then appear in
the same encoding, and the leak gate must recognise a fake wherever it was put back.
"""

from __future__ import annotations

import bisect
import itertools
from json.encoder import encode_basestring, encode_basestring_ascii  # json.dumps of a str, minus its set-up
import re
from urllib.parse import quote, quote_plus

from sanitizers._core import ENCODED, WHOLE, known_present

__all__ = ["escaped", "holding", "is_allowed", "known_regex", "min_known_length"]

_ENCODINGS = (
    lambda v: quote(v, safe=""), lambda v: quote_plus(v, safe=""), lambda v: quote(v, safe="@:+"),
    lambda v: encode_basestring_ascii(v)[1:-1], lambda v: encode_basestring(v)[1:-1],
)


# Whole words only, also in encodings: a letter may be written %D0%B0 (URL) or \u0430 (JSON).
_NOT_AFTER_LETTER = r"(?<!\w)(?<!%[89a-fA-F][0-9a-fA-F])(?<!\\u[0-9a-fA-F]{4})"
_NOT_BEFORE_LETTER = r"(?!\w|%[89a-fA-F][0-9a-fA-F]|\\u[0-9a-fA-F]{4})"


def known_regex(known: dict[str, tuple[str, str]],
                texts: list[str]) -> tuple[re.Pattern[str] | None, dict[str, tuple[str, str]]]:
    """(regex, table): the known originals present in the leaves, as whole words, in each of
    their encodings (URL-encoded, JSON-escaped), mapped to (the fake in the same encoding, entity).

    Only what is present goes into the regex (found by the compiled core in one scan of the
    joined leaves): compiling an alternation of every original costs more than the rest of the
    event. An encoding keeps the original's plain runs, so an original whose longest one is
    absent cannot be there in any encoding either.
    """
    if not known:
        return None, {}
    blob = "\x00".join(texts)
    table: dict[str, tuple[str, str]] = {}
    for (original, (fake, entity)), found in zip(known.items(), known_present(list(known), blob)):
        if found & WHOLE:
            table.setdefault(original, (fake, entity))
        if not found & ENCODED:
            continue
        for encode in _ENCODINGS:
            encoded = encode(original)
            if encoded in blob:
                table.setdefault(encoded, (encode(fake), entity))
    if not table:
        return None, table
    glued = sorted((v for v, (_, entity) in table.items() if _glued(v, entity)), key=len, reverse=True)
    words = sorted((v for v, (_, entity) in table.items() if not _glued(v, entity)), key=len, reverse=True)
    pattern = rf"{_NOT_AFTER_LETTER}(?:{'|'.join(map(re.escape, words))}){_NOT_BEFORE_LETTER}" if words else ""
    if glued:  # tried first: a password may hold a word-bounded original (the user's name)
        pattern = "|".join(map(re.escape, glued)) + (f"|{pattern}" if pattern else "")
    return re.compile(pattern), table


# Secrets are found glued to other text too (mysqldump -pSw0rdf1sh!, token=...&): a long one with
# a digit or a sign in it does not turn up inside another word by chance, as a name might.
_SECRET_ENTITIES = frozenset({"SECRET", "API_KEY", "JWT", "PEM_KEY", "AUTHORIZATION"})
_NOT_A_WORD = re.compile(r"[^A-Za-z]")


def _glued(original: str, entity: str) -> bool:
    return entity in _SECRET_ENTITIES and len(original) >= 8 and bool(_NOT_A_WORD.search(original))


def holding(regex: re.Pattern[str], texts: list[str]) -> set[int]:
    """Indices of the texts ``regex`` finds something in, from one scan of them all joined: most
    leaves hold no known value, and a search per leaf costs a call per leaf. The separator is no
    word character, so the whole-word boundaries match as at each text's start and end."""
    blob = "\x00".join(texts)
    if "\x00" in regex.pattern or blob.count("\x00") != len(texts) - 1:  # a match could span texts
        return {i for i, text in enumerate(texts) if regex.search(text)}
    starts = list(itertools.accumulate((len(text) + 1 for text in texts), initial=0))
    return {bisect.bisect_right(starts, m.start()) - 1 for m in regex.finditer(blob)}


def min_known_length(value: str) -> int:
    """Shorter values are too likely to occur by chance to be replaced everywhere; a Han or
    Hangul given name of one or two characters is a whole name, though."""
    return 4 if value.isascii() or value.lower() != value.upper() else 1


def escaped(fake: str) -> set[str]:
    """A fake as the gate may meet it: plain, or escaped inside a JSON or repr dump it was put back into."""
    if fake.isascii() and fake.isprintable() and not _ESCAPED_CHARS.intersection(fake):
        return {fake}  # nothing to escape: every dump writes it as it is
    return {fake, encode_basestring_ascii(fake)[1:-1], encode_basestring(fake)[1:-1], repr(fake)[1:-1]}


_ESCAPED_CHARS = frozenset("\"'\\")


def is_allowed(found: str, allowed: set[str]) -> bool:
    """A detector hit in the output that is one of our fakes, or part of one (a fake e-mail in a fake URL)."""
    return found in allowed or any(found in value for value in allowed)
