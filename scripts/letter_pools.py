"""Write core/src/letter_pools.rs: the pools `charclass` draws a letter or digit beyond ASCII from
when its script has no hand-picked pool (Georgian, Armenian, Thai, Devanagari, Ethiopic...).

A letter's pool is the letters of its script and block (the `regex` module's Script and Block
properties) that Python classes as it does (`isupper`, `islower`, neither) and that are written
in its form (the tag of a compatibility decomposition: fullwidth, a mathematical font, an Arabic
presentation form...), so that a Georgian name stays in Mkhedruli and Hangul jamo stay jamo. A
block holding fewer than ten such letters lends its own to the script's pool of the class and
form instead. A decimal digit's pool is the ten digits of its run; a symbol standing for one
letter or digit (ⓙ, ², Ⅳ: its compatibility form is one) draws from the symbols of its block
that stand for one of the same class. A letter alone in its pool draws from its script's plain
pool of its case (or lower case, for a letter with none), so that nothing draws itself; ℇ, the
one upper-case letter of no script, is the exception.
ASCII is left out: the hand-picked pools and ASCII classes come first. Re-run after a Python or
`regex` upgrade: `.venv/bin/python scripts/letter_pools.py`.
"""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

import regex
from regex import _regex

OUT = Path(__file__).resolve().parent.parent / "core" / "src" / "letter_pools.rs"
_MIN_POOL = 10  # letters of a block's pool, below which the script's pool is drawn from
Key = tuple[str, str, str]  # (script, block, or "*" for the script's pool, class)


def _case(ch: str) -> str:
    return "upper" if ch.isupper() else "lower" if ch.islower() else "other"


def _class(ch: str) -> str:
    """Its case and form for a letter, its run for a digit, what it stands for for a symbol."""
    if ch.isdecimal():
        return f"digit {ord(ch) - unicodedata.decimal(ch)}"  # its run of ten, by its zero
    decomposition = unicodedata.decomposition(ch)  # a compatibility one's tag: wide, font, circle...
    form = decomposition[1:decomposition.find(">")] if decomposition.startswith("<") else ""
    if ch.isalpha():
        return _case(ch) + (f" {form}" if form else "")
    stands_for = unicodedata.normalize("NFKC", ch)
    kind = "digit" if stands_for.isdecimal() else _case(stands_for)
    return f"like {kind} {_case(ch)} {ch.isdigit():d} {form}"


def _stands_for_one(ch: str) -> bool:
    """A symbol or number whose compatibility form is one letter or digit (ⓙ, ², Ⅳ, ⼈)."""
    form = unicodedata.normalize("NFKC", ch)
    return len(form) == 1 and form != ch and (form.isalpha() or form.isdecimal())


def _property(name: str, chars: str) -> dict[str, str]:
    """Each character's value of the ``regex`` module's ``name`` property, by its longest name."""
    ids = _regex.get_properties()[name.upper()][1]
    names = {i: max((n for n, v in ids.items() if v == i), key=len) for i in set(ids.values())}
    found: dict[str, str] = {}
    for value in names.values():
        for ch in regex.findall(rf"\p{{{name}={value}}}", chars):
            found[ch] = value
    return found


def pools() -> tuple[dict[Key, list[int]], dict[int, Key]]:
    """The code points of each pool, in order, and the pool each character is drawn from."""
    chars = "".join(c for c in map(chr, range(0x80, sys.maxunicode + 1))
                    if c.isalpha() or c.isdecimal() or _stands_for_one(c))
    script, block = _property("Script", chars), _property("Block", chars)
    by_block: dict[Key, list[int]] = {}
    for ch in chars:
        by_block.setdefault((script[ch], block[ch], _class(ch)), []).append(ord(ch))
    grouped: dict[Key, list[int]] = {}
    for (name, area, kind), points in by_block.items():
        key = (name, area, kind) if len(points) >= _MIN_POOL or kind.startswith("digit") else (name, "*", kind)
        grouped.setdefault(key, []).extend(points)
    drawn_from = {point: key for key, points in grouped.items() for point in points}
    for key, points in list(grouped.items()):  # a lone letter would draw itself
        case = key[2].split()[0]
        for plain in (case, "lower") if case == "other" else (case,):  # its script's largest plain pool
            homes = [k for k in grouped if k[0] == key[0] and k[2] == plain and len(grouped[k]) > 1]
            if len(points) == 1 and homes:
                drawn_from[points[0]] = max(homes, key=lambda k: len(grouped[k]))
                del grouped[key]
                break
    return {key: sorted(points) for key, points in grouped.items()}, drawn_from


def _runs(points: list[int], pool: Callable[[int], object] = lambda _: None) -> list[tuple[int, int]]:
    """Consecutive code points of one pool as (first, last)."""
    runs: list[tuple[int, int]] = []
    for point in points:
        if runs and runs[-1][1] == point - 1 and pool(point - 1) == pool(point):
            runs[-1] = (runs[-1][0], point)
        else:
            runs.append((point, point))
    return runs


def render(grouped: dict[Key, list[int]], drawn_from: dict[int, Key]) -> str:
    order = sorted(grouped)
    number = {key: i for i, key in enumerate(order)}
    ranges, starts = [], []
    for key in order:
        runs = _runs(grouped[key])
        starts.append((len(ranges), len(runs), len(grouped[key])))
        ranges.extend(runs)
    points = sorted(drawn_from)
    lookup = [(first, last, number[drawn_from[first]]) for first, last in _runs(points, drawn_from.__getitem__)]
    assigned = _runs([c for c in range(0x80, sys.maxunicode + 1) if unicodedata.category(chr(c)) != "Cn"])

    def rows(items: list[tuple[int, ...]], hexed: int) -> str:
        return "\n".join("    (" + ", ".join(f"0x{v:X}" if i < hexed else str(v) for i, v in enumerate(row)) + "),"
                         for row in items)

    return f"""\
//! Generated by scripts/letter_pools.py from Python {sys.version.split()[0]} (Unicode \
{unicodedata.unidata_version}) and regex {regex.__version__}: do not edit.
//! {len(order)} pools of the characters beyond ASCII that Python's `isalpha` or `isdecimal` holds,
//! or that stand for one such (ⓙ, ²), one per script, block and class (see the script).

/// (first, last, pool) of each run of code points, in order.
pub static LOOKUP: [(u32, u32, u16); {len(lookup)}] = [
{rows(lookup, 2)}
];

/// The runs of each pool, pool after pool.
pub static RANGES: [(u32, u32); {len(ranges)}] = [
{rows(ranges, 2)}
];

/// (first run in RANGES, runs, code points) of each pool.
pub static POOLS: [(u16, u16, u32); {len(starts)}] = [
{rows(starts, 0)}
];

/// The code points beyond ASCII assigned in Unicode {unicodedata.unidata_version}, as (first, last).
pub static ASSIGNED: [(u32, u32); {len(assigned)}] = [
{rows(assigned, 2)}
];
"""


if __name__ == "__main__":
    OUT.write_text(render(*pools()))
    print(f"wrote {OUT}")
