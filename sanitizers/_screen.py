"""A Python regular expression screened by Rust's engine: in ASCII text, Python's backtracking
engine tries the pattern only where a looser form of it starts a match, so not at all where
that finds nothing.

The looser form is the pattern with what Rust's engine lacks dropped (lookarounds, anchors,
word boundaries, atomic groups and possessive repeats run as plain ones) and with Python's
classes spelled out as they read ASCII text. Dropping a condition only lets more text through,
so every match of the pattern is a match of its looser form, where it starts: a position where
the looser form starts no match starts none of the pattern's, and the pattern itself decides at
the others, whose matches are the only ones ever used. A policy's own patterns (`patterns:` in a
rule) and the detectors' patterns that most texts they get hold nothing of are screened so:
Python's engine tries a pattern at every position, Rust's reads the text once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from re import _compiler, _parser
from re import _constants as sre

from sanitizers._core import Pattern

__all__ = ["Screened", "looser", "only_ascii"]

_ONE_CHARACTER = {sre.LITERAL, sre.NOT_LITERAL, sre.ANY, sre.IN}
_DROPPED = {sre.AT, sre.ASSERT, sre.ASSERT_NOT}  # conditions on the text around a match
_REPEATS = {sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT}
_MAX_COUNT = 64  # counts above this are asked as "at least 64": looser still, and a small automaton
_NO_ASCII = r"\x{80}"  # what a character no ASCII one matches becomes: never in the text screened


class _Untranslatable(Exception):
    """A construct with no looser form here (a backreference, a conditional group)."""


def looser(pattern: str, flags: int = 0) -> str | None:
    """``pattern`` (Python syntax) loosened for Rust's engine on ASCII text, or None where it has
    no looser form here."""
    try:
        return _looser(_parser.parse(pattern, flags))
    except re.error:
        return None


def _looser(tree) -> str | None:
    try:
        return _sequence(tree, tree.state.flags)
    except _Untranslatable:
        return None


def only_ascii(pattern: str, flags: int = 0) -> bool:
    """Whether every match of ``pattern`` is ASCII text, in any text: then its looser form screens
    text beyond ASCII too, since a match's characters are matched as in ASCII text, and what the
    looser form drops reads only the text around them. Told by the pattern's form, so a case-blind
    letter (``(?i)k`` matches the Kelvin sign) or a class such as ``\\w`` may match beyond ASCII."""
    try:
        tree = _parser.parse(pattern, flags)
    except re.error:
        return False
    return _takes_ascii(tree, tree.state.flags)


def _takes_ascii(items, flags: int) -> bool:
    return all(_takes_ascii_at(op, av, flags) for op, av in items)


def _takes_ascii_at(op, av, flags: int) -> bool:
    blind = bool(flags & re.IGNORECASE)
    if op is sre.LITERAL:
        return av < 128 and not (blind and chr(av).isalpha())
    if op is sre.RANGE:
        return av[1] < 128 and not (blind and any(chr(c).isalpha() for c in range(av[0], av[1] + 1)))
    if op is sre.IN:  # NEGATE and CATEGORY items answer False
        return all(_takes_ascii_at(item_op, item_av, flags) for item_op, item_av in av)
    if op in _REPEATS:
        return _takes_ascii(av[2], flags)
    if op is sre.SUBPATTERN:
        _, add, remove, item = av
        return _takes_ascii(item, (flags | add) & ~remove)
    if op is sre.ATOMIC_GROUP:
        return _takes_ascii(av, flags)
    if op is sre.BRANCH:
        return all(_takes_ascii(item, flags) for item in av[1])
    return op in _DROPPED  # a lookaround or anchor takes no character; the rest may be any


def _sequence(items, flags: int) -> str:
    return "".join(_node(op, av, flags) for op, av in items)


def _node(op, av, flags: int) -> str:
    if op in _ONE_CHARACTER:
        return _ascii_class(op, _hashable(av), flags)
    if op in _REPEATS:
        low, high, item = av
        upper = "" if high is sre.MAXREPEAT or high > _MAX_COUNT else str(high)
        return f"(?:{_sequence(item, flags)}){{{min(low, _MAX_COUNT)},{upper}}}"
    if op is sre.SUBPATTERN:
        _, add, remove, item = av
        return f"(?:{_sequence(item, (flags | add) & ~remove)})"
    if op is sre.ATOMIC_GROUP:
        return f"(?:{_sequence(av, flags)})"
    if op is sre.BRANCH:
        return "(?:" + "|".join(_sequence(item, flags) for item in av[1]) + ")"
    if op in _DROPPED:
        return ""
    raise _Untranslatable(op)


def _hashable(av):
    return tuple(av) if isinstance(av, list) else av


@lru_cache(maxsize=1024)
def _ascii_class(op, av, flags: int) -> str:
    """The ASCII characters one character of the pattern matches, as Python's own engine reads
    it under its flags: its classes, its case folding (``(?i)[À-ɏ]`` takes an ASCII i and s, by
    İ and ſ) and its dot, with nothing of Rust's read of them to trust."""
    state = _parser.State()
    state.flags = flags
    one = _compiler.compile(_parser.SubPattern(state, [(op, list(av) if op is sre.IN else av)]), flags)
    runs: list[list[int]] = []  # the matched codes as ranges
    for code in (code for code in range(128) if one.match(chr(code))):
        if runs and runs[-1][1] == code - 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    ranges = (f"\\x{{{low:X}}}" + (f"-\\x{{{high:X}}}" if high > low else "") for low, high in runs)
    return "[" + "".join(ranges) + "]" if runs else _NO_ASCII


class Screened:
    """A compiled pattern whose ``finditer`` asks Rust's engine first, on ASCII text, where its
    looser form (``screen``; None where it has none) starts a match: only there can the pattern
    match, so Python's engine tries only those positions instead of every one."""

    __slots__ = ("only_ascii", "pattern", "screen", "_jumps")

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        tree = _parser.parse(pattern.pattern, pattern.flags)  # once: a long pattern takes milliseconds
        source = _looser(tree)
        try:
            self.screen = Pattern(source) if source is not None else None
        except ValueError:  # beyond the engine's size limit
            self.screen = None
        self.only_ascii = _takes_ascii(tree, tree.state.flags)  # its screen reads any text
        # an empty match would change where finditer tries next (right after it, a non-empty one)
        self._jumps = self.screen is not None and tree.getwidth()[0] > 0

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """``pattern.finditer(text)``."""
        if self.screen is None or not text.isascii():
            return self.pattern.finditer(text)
        if not self._jumps:
            return self.pattern.finditer(text) if self.screen.is_match(text) else iter(())
        starts = self.screen.starts(text)
        return self._tried_at(text, starts) if starts else iter(())

    def _tried_at(self, text: str, starts: list[int]) -> Iterator[re.Match[str]]:
        """The matches ``finditer`` finds, each tried where ``starts`` says: after a match, from
        where it ends (a match sees the whole text around it, as its lookarounds need)."""
        match, end = self.pattern.match, 0
        for start in starts:
            if start >= end and (found := match(text, start)) is not None:
                end = found.end()
                yield found
