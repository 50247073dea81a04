"""``charclass`` beyond ASCII: every letter and decimal digit Python knows, and every symbol that
stands for one (ⓙ, ²), is redrawn within its script, block and class, so a name in Georgian,
Armenian, Thai or Devanagari is not kept as it came."""

from __future__ import annotations

import bisect
import importlib.util
import re
from pathlib import Path

import pytest
import regex

from sanitizers._core import Rng, charclass
from sanitizers import Sanitizer

ROOT = Path(__file__).parents[1]
_spec = importlib.util.spec_from_file_location("letter_pools", ROOT / "scripts" / "letter_pools.py")
letter_pools = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(letter_pools)

POOLS, DRAWN_FROM = letter_pools.pools()  # as the Python running the tests classes them
EVERY = "".join(map(chr, sorted(DRAWN_FROM)))
# the runs of the table the core was built with (a later Python knows more letters, which the
# core draws from a neighbour's pool)
_TABLE = (ROOT / "core" / "src" / "letter_pools.rs").read_text().split("pub static RANGES")[0]
TABLE_RUNS = [(int(first, 16), int(last, 16)) for first, last in re.findall(r"\((0x[0-9A-F]+), (0x[0-9A-F]+), \d+\)", _TABLE)]
# the pools of the first versions (classes.rs, same_script_letter), kept so that fakes stay the same
HAND_PICKED = [(0x80, 0x24F), (0x370, 0x3FF), (0x400, 0x52F), (0x5D0, 0x5EA), (0x620, 0x64A), (0x3040, 0x309F),
               (0x30A0, 0x30FF), (0x4E00, 0x9FFF), (0xAC00, 0xD7AF)]


def _hand_picked(ch: str) -> bool:
    return ch.isalpha() and any(first <= ord(ch) <= last for first, last in HAND_PICKED)


def _class(ch: str) -> tuple[bool, ...]:
    return ch.isupper(), ch.isalpha(), ch.isdecimal()


def _in_table(ch: str) -> bool:
    at = bisect.bisect_right(TABLE_RUNS, (ord(ch), 0x10FFFF)) - 1
    return at >= 0 and TABLE_RUNS[at][0] <= ord(ch) <= TABLE_RUNS[at][1]


def test_a_letter_keeps_its_block_where_its_script_has_several() -> None:
    """Georgian stays in Mkhedruli (not Nuskhuri, its church script), Hangul jamo stay jamo."""
    fake = charclass("ნინო ბერიძე", Rng(b"blocks"))
    assert all(0x10D0 <= ord(c) <= 0x10FF for c in fake.replace(" ", "")), fake
    assert all(0x1100 <= ord(c) <= 0x11FF for c in charclass("\u1100\u1161\u11a8" * 5, Rng(b"jamo")))


def test_a_letter_of_a_later_unicode_than_the_tables_is_redrawn_too() -> None:
    """CJK Extension H (Unicode 15), unknown to Python 3.11, drawn from the Han pool before it."""
    fake = charclass("\U00031350\U00031351\U00031352", Rng(b"later"))
    assert not set(fake) & set("\U00031350\U00031351\U00031352")
    assert regex.fullmatch(r"\p{Script=Han}+", fake)
    assert charclass("\u093f", Rng(b"later")) == "\u093f"  # a vowel sign, no letter to Python: kept


def test_every_letter_and_digit_beyond_ascii_is_redrawn_in_its_class_and_script() -> None:
    fakes = [charclass(EVERY, Rng(bytes([seed]))) for seed in range(8)]
    for fake in fakes:
        assert len(fake) == len(EVERY)
        assert [_class(c) for c in fake] == [_class(c) for c in EVERY]
    assert len(TABLE_RUNS) > 1000
    drawn: dict[tuple[str, str, str], str] = {}  # the fakes of each pool's letters
    for original, fake in zip(EVERY, fakes[0], strict=True):
        if not _hand_picked(original) and _in_table(original):
            drawn[DRAWN_FROM[ord(original)]] = drawn.get(DRAWN_FROM[ord(original)], "") + fake
    for key, letters in drawn.items():  # (script, block, class)
        assert set(map(ord, letters)) <= set(POOLS[key]), key
        assert regex.fullmatch(rf"\p{{Script={key[0]}}}+", letters), key
    kept = {c for i, c in enumerate(EVERY) if all(fake[i] == c for fake in fakes)}
    assert kept == {"ℇ"}  # the one upper-case letter of no script has no other to draw


@pytest.mark.parametrize("original", ["ნინო ბერიძე", "Արամ Պետրոսյան", "ᏣᎳᎩ ᎦᏬᏂᎯᏍᏗ", "สมชาย ใจดี", "राहुल शर्मा",
                                      "علی رضایی", "Nguyễn Thị Thủy", "ＹＡＭＡＤＡ", "ⓙⓞⓗⓝ ⓓⓞⓔ"])
def test_a_name_in_a_script_without_a_hand_picked_pool_is_not_kept(original: str) -> None:
    """Letters of these scripts were kept as they came while the report said ``fake``."""
    result = Sanitizer(key=b"scripts").sanitize({"event_id": "a" * 32, "user": {"name": original}})
    assert not result.blocked
    name = result.event["user"]["name"]
    assert len(name) == len(original) and name.count(" ") == original.count(" ")
    kept = [c for c, f in zip(original, name, strict=True) if c == f and c.isalpha()]
    assert len(kept) <= 1, (original, name)  # one letter may be drawn again by chance, no more
    assert [c.action for c in result.changes if c.path == "user.name"] == ["fake"]


@pytest.mark.parametrize("original", ["\ud800\u05d0\u05d1\u05d2", "\ud800กขค", "क\ud800खग"])
def test_a_value_with_a_lone_surrogate_is_faked_not_blocked(original: str) -> None:
    """A lone surrogate has no UTF-8, so no URL-encoded form to look for: the value is faked
    everywhere it appears, where its URL encoding used to end the event in an internal error."""
    event = {"event_id": "a" * 32, "user": {"username": original}, "message": f"user {original} logged in"}
    result = Sanitizer(key=b"surrogates").sanitize(event)
    assert not result.blocked, result.leaks
    assert original not in str(result.event)
    assert result.event["message"] == f"user {result.event['user']['username']} logged in"
