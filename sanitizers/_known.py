"""Known originals: once a value is found anywhere in an event, it is replaced everywhere else.

An original may reappear URL-encoded, JSON-escaped or in lower case; the fake must then appear in
the same encoding, and the leak gate must recognise a fake wherever it was put back.
"""

from __future__ import annotations

from json.encoder import encode_basestring, encode_basestring_ascii  # json.dumps of a str, minus its set-up
import re

from sanitizers._core import ENCODED, WHOLE, Haystack, KnownValues, quote

__all__ = ["escaped", "is_allowed", "known_values", "min_known_length"]

_ENCODINGS = (  # urllib.parse's quote(v, safe=""), quote_plus(v, safe="") and quote(v, safe="@:+"), in the core
    lambda v: quote(v, ""), lambda v: quote(v, "", plus=True), lambda v: quote(v, "@:+"),
    lambda v: encode_basestring_ascii(v)[1:-1], lambda v: encode_basestring(v)[1:-1],
)


def known_values(known: dict[str, tuple[str, str]], haystack: Haystack,
                 unmistakable: set[str]) -> KnownValues | None:
    """The known originals present in ``haystack`` (an event's strings joined by NUL), in each of
    their encodings (URL-encoded, JSON-escaped), with the fake in the same encoding; None when
    none is. The compiled core finds them as whole words (no word character, ``%XX`` or
    ``\\uXXXX`` escape of a letter touching them), the ones in ``_glued`` anywhere; those of an
    entity in ``unmistakable`` are flagged so (the engine replaces them in safe paths too).

    Only what is present goes in, found by the core in one scan. An encoding keeps the
    original's plain runs, so an original one of whose runs is absent cannot be there in any
    encoding either.
    """
    if not known:
        return None
    present = haystack.present(list(known))
    if not any(present):  # as in most events: each original was replaced wherever it was
        return None
    table: dict[str, tuple[str, str]] = {}
    for (original, (fake, entity)), found in zip(known.items(), present):
        if found & WHOLE:
            table.setdefault(original, (fake, entity))
        if not found & ENCODED:
            continue
        for encode in _ENCODINGS:
            try:
                encoded = encode(original)
            except UnicodeEncodeError:  # a lone surrogate has no UTF-8, so no URL-encoded form
                continue
            if encoded in haystack:
                table.setdefault(encoded, (encode(fake), entity))
    if not table:
        return None
    entries = [(original, fake, _glued(original, entity), entity in unmistakable)
               for original, (fake, entity) in table.items()]
    # Tried in this order at each place: glued first (a password may hold a word-bounded
    # original, the user's name), longer before shorter.
    return KnownValues(sorted(entries, key=lambda entry: (not entry[2], -len(entry[0]))))


# Secrets are found glued to other text too (mysqldump -pSw0rdf1sh!, token=...&): a long one with
# a digit or a sign in it does not turn up inside another word by chance, as a name might.
_SECRET_ENTITIES = frozenset({"SECRET", "API_KEY", "JWT", "PEM_KEY", "AUTHORIZATION"})
_NOT_A_WORD = re.compile(r"[^A-Za-z]")


def _glued(original: str, entity: str) -> bool:
    return entity in _SECRET_ENTITIES and len(original) >= 8 and bool(_NOT_A_WORD.search(original))


def min_known_length(value: str) -> int:
    """Shorter values are too likely to occur by chance to be replaced everywhere; a Han or
    Hangul given name of one or two characters is a whole name, though."""
    return 4 if value.isascii() or value.lower() != value.upper() else 1


def escaped(fake: str) -> tuple[str, ...]:
    """A fake as the gate may meet it: plain, or escaped inside a JSON or repr dump it was put back into."""
    if fake.isascii() and fake.isprintable() and '"' not in fake and "'" not in fake and "\\" not in fake:
        return (fake,)  # nothing to escape: every dump writes it as it is
    return fake, encode_basestring_ascii(fake)[1:-1], encode_basestring(fake)[1:-1], repr(fake)[1:-1]


def is_allowed(found: str, allowed: set[str]) -> bool:
    """A detector hit in the output that is one of our fakes, or part of one (a fake e-mail in a fake URL)."""
    return found in allowed or any(found in value for value in allowed)
