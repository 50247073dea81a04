"""Bounded caches for a sanitizer that may run for days on a stream.

A cache that starts over when full keeps memory flat whatever the input size, and a long stream
keeps hitting on what repeats now (today's headers and messages) rather than on what repeated
when the process started.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any, TypeVar

__all__ = ["for_short_texts", "remember"]

V = TypeVar("V")


def remember(cache: dict[Any, V], key: Any, value: V, limit: int) -> V:
    """Store ``value`` under ``key``, emptying ``cache`` first when it holds ``limit`` entries."""
    if len(cache) >= limit:
        cache.clear()
    cache[key] = value
    return value


def for_short_texts(function: Callable[[str], V]) -> Callable[[str], V]:
    """``function`` with its results for short texts (keys, names, fakes: what recurs) kept, the
    8,192 latest; a longer text is computed each time, so the cache stays small whatever comes."""
    cached = lru_cache(maxsize=8192)(function)

    @wraps(function)
    def call(text: str) -> V:
        return cached(text) if len(text) <= 256 else function(text)

    return call
