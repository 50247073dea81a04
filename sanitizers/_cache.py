"""Bounded caches for a sanitizer that may run for days on a stream.

A cache that starts over when full keeps memory flat whatever the input size, and a long stream
keeps hitting on what repeats now (today's headers and messages) rather than on what repeated
when the process started.
"""

from __future__ import annotations

from typing import Any, TypeVar

__all__ = ["remember"]

V = TypeVar("V")


def remember(cache: dict[Any, V], key: Any, value: V, limit: int) -> V:
    """Store ``value`` under ``key``, emptying ``cache`` first when it holds ``limit`` entries."""
    if len(cache) >= limit:
        cache.clear()
    cache[key] = value
    return value
