"""The screen of a policy's patterns (sanitizers/_screen.py): in ASCII text, Rust's engine finds
where a looser form of each pattern starts a match, and Python's engine tries the pattern there
alone, so the matches and their groups are Python's, whatever the text."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from sanitizers._core import Pattern
from sanitizers import detectors, names
from sanitizers._screen import Screened, looser, only_ascii
from sanitizers.policy import default_policy

_POLICY = [pattern for rule in default_policy().rules for pattern in rule.compiled_patterns]
# the detectors' screened patterns (street addresses), with pieces of what they find; and the user
# id pattern, which the compiled core now reads itself, as one more with lookarounds to screen
_DETECTORS = [detectors._USER_ID] + [value.pattern for module in (detectors, names) for value in vars(module).values()
                                     if isinstance(value, Screened)]
_PIECES = ["user_", "cus_", "ABCD1234x", "account id: ", "customer #", "u-12345", "Hauptstraße", "Main Street",
           "Rue de la Paix", "12", "221b", ", ", "75002", "Paris", "Springfield", "IL 62704", " - ", "01310-100",
           "São Paulo", "Vila Moraes", "ul. Długa", "Apt 4", "Rua das Flores", "69007128", "Sul", " ", " ", "\t",
           "Vila Moraes, 69007128 Sul", "Rua das Flores, Sao Paulo - 01310-100"]
# Each drops or rewrites something: lookarounds, anchors and boundaries, scoped and global
# flags, Python's \s (which holds \x1c-\x1f), a dot under DOTALL, lazy, possessive and atomic
# repeats, counts beyond what the looser form keeps, and case folding beyond ASCII (İ and ſ
# fold to an ASCII i and s in Python's engine).
_TRICKY = [re.compile(p) for p in (
    r"(?<![\w])[0-9a-z]{1,13}-[0-9a-f]{20,32}(?![\w-])",
    r"\bkey\b\s*=\s*(\S+?)(?=;|$)",
    r"(?i)(?:(?<=^')|^)\w*pass\w*(?='?$)",
    r"(?s)a.b|(?-i:X)y",
    r"(?i:[À-ɏ])x|[^\W\d]{2}\s\D",
    r"\d{70,}|q{2,200}z",
    r"(?>ab|a)c|d++e|f*?g",
    r"^\s+$|\A\x1c|x\Z",
    r"a*|b",  # empty matches: tried at every position, as finditer tries them
)] + [re.compile(r"[à-ÿ]+", re.IGNORECASE), re.compile(r"^end$", re.MULTILINE)]
_ALPHABET = "abcdefgkpqsxyzABXY0129-_=;' .\n\t\x1c\x1fİſé"


@settings(max_examples=1500, deadline=None)
@given(index=st.integers(0, len(_DETECTORS) - 1),
       text=st.lists(st.sampled_from(_PIECES) | st.text(_ALPHABET, max_size=3), max_size=12).map("".join))
@example(index=0, text="user_ABCD1234x")
def test_a_screened_detector_pattern_finds_what_python_finds(index: int, text: str) -> None:
    _finds_what_python_finds(_DETECTORS[index], text)


@settings(max_examples=1500, deadline=None)
@given(index=st.integers(0, len(_POLICY) + len(_TRICKY) - 1), text=st.text(_ALPHABET, max_size=80))
@example(index=len(_POLICY) + 4, text="sx")  # matched only through İ or ſ
@example(index=len(_POLICY) + 7, text="\x1c")
@example(index=len(_POLICY), text="reset/MjQ/c3k9p2-0a1b2c3d4e5f60718293a4b5/")
def test_a_screened_pattern_finds_what_python_finds(index: int, text: str) -> None:
    _finds_what_python_finds((_POLICY + _TRICKY)[index], text)


def _finds_what_python_finds(pattern: re.Pattern[str], text: str) -> None:
    """The screened pattern finds what the pattern finds; its looser form matches where the pattern
    does, in ASCII text, and beyond it too where ``only_ascii`` says every match is ASCII."""
    screened = Screened(pattern)
    assert [m.regs for m in screened.finditer(text)] == [m.regs for m in pattern.finditer(text)]
    source = looser(pattern.pattern, pattern.flags)
    if screened.only_ascii:
        assert all(m.group().isascii() for m in pattern.finditer(text)), (pattern.pattern, text)
    if pattern.search(text) and (text.isascii() or screened.only_ascii) and source is not None:
        assert Pattern(source).is_match(text), (pattern.pattern, source, text)


def test_the_screen_rules_texts_out() -> None:
    """Every pattern above has a looser form, and it rules out text the pattern cannot match in."""
    assert len(_DETECTORS) >= 4
    for pattern in _POLICY + _TRICKY + _DETECTORS:
        assert Screened(pattern).screen is not None, pattern.pattern
    token = Screened(_TRICKY[0])
    assert Pattern(looser(token.pattern.pattern)).is_match("ab-0123456789abcdef0123")
    assert not Pattern(looser(token.pattern.pattern)).is_match("ab-0123456789")
    assert not Pattern(looser(_TRICKY[4].pattern)).is_match("ab")  # no i or s before the x


def test_a_pattern_takes_only_ascii_where_its_every_character_is_ascii_and_no_case_blind_letter() -> None:
    """What the walk's screen may read beyond ASCII: the policy's token pattern (its lookarounds
    take no character), but not a dot, a negated class, ``\\w`` or ``\\d``, a character beyond
    ASCII, or a letter matched ignoring case (``(?i)k`` matches the Kelvin sign)."""
    assert only_ascii(_TRICKY[0].pattern) and only_ascii(r"(?>ab|a)c|d++e|f*?g") and only_ascii(r"(?i)[0-9-]+")
    for pattern in (r"a.b", r"[^a]", r"\w", r"\d", r"é", r"(?i)k", r"(?i:[a-c])", r"x|\s", r"(a)\1", r"["):
        assert not only_ascii(pattern), pattern
    assert re.fullmatch(r"(?i)k", "\u212a")


def test_a_pattern_without_a_looser_form_is_python_s_alone() -> None:
    for source in (r"(a)\1", r"(?P<q>['\"]).*?(?P=q)", r"(a)?(?(1)b|c)"):
        pattern = re.compile(source)
        assert looser(source) is None
        screened = Screened(pattern)
        assert screened.screen is None
        assert [m.span() for m in screened.finditer("aab 'x' ac")] == [m.span() for m in pattern.finditer("aab 'x' ac")]
