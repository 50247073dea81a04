"""Event-path selectors in the spirit of Relay's (`request.headers.authorization`, `**.vars.*`).

A path is the tuple of keys (and list indices) from the event root to a value, with the
legacy interface names and API entries already mapped to stored-schema names. In a selector,
`*` is one segment, `**` any number of segments (none included); matching ignores case, and `-`, `_` and camelCase are alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

__all__ = ["compile_selectors", "SEP"]

SEP = "\x1f"  # joins path segments: keys may contain dots, slashes and spaces


def compile_selectors(selectors: Iterable[str]) -> re.Pattern[str]:
    """One regex matching a joined path when any of ``selectors`` matches it."""
    parts = [_selector_regex(s) for s in selectors]
    if not parts:
        return re.compile(r"(?!)")
    return re.compile("|".join(f"(?:{p})" for p in parts), re.IGNORECASE)


@lru_cache(maxsize=None)
def _selector_regex(selector: str) -> str:
    out: list[str] = []
    segments = selector.strip().split(".")
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        if seg == "**":
            out.append(".*" if last else f"(?:[^{SEP}]*{SEP})*")
            continue
        piece = "".join(f"[^{SEP}]*" if ch == "*" else re.escape(ch) for ch in _normal(seg))
        out.append(piece if last else piece + SEP)
    return "^" + "".join(out) + "$"


def _normal(segment: str) -> str:
    """Selector segments are compared like keys: case, ``-`` and camelCase do not matter."""
    from sanitizers.policy import normalize_key

    return normalize_key(segment)
