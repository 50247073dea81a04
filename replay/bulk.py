"""Bulk replay: many events, the target's concurrency and rate limit, one user's requests in order.

Events of one user (or session) are replayed one after another in timestamp order, because a
bug may hinge on what that user did before; different users run side by side, at most
``target.concurrency`` at a time and ``target.rate_limit`` requests per second overall. Results
come back in input order.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from connectors import InputError, SourceItem, normalize_event
from replay.parity import ParityGate
from replay.runner import ReplayResult, replay_document
from replay.target import Target
from sanitizers import Sanitizer

__all__ = ["RateLimiter", "replay_many"]

_INTERRUPTED = "not replayed: the run was interrupted (SIGTERM or Ctrl-C) before this event was sent"


class RateLimiter:
    """At most ``rate`` calls of :meth:`wait` per second across threads (0: no limit)."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._next = time.monotonic()
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self.interval
        time.sleep(max(0.0, slot - now))


def replay_many(items: Iterable[SourceItem], *, sanitizer: Sanitizer, target: Target, client: httpx.Client,
                parity: ParityGate | None, on_done: Callable[[int, str, ReplayResult], None] | None = None,
                stop: threading.Event | None = None) -> list[tuple[str, ReplayResult]]:
    """Replay every item; an item that is an input error becomes an ``inconclusive`` result in place,
    and so does every item not yet started once ``stop`` is set (it is not sent). ``on_done`` hears
    of each result as it comes (index in ``items``, source, result), from the worker threads."""
    items = list(items)
    results: list[tuple[str, ReplayResult] | None] = [None] * len(items)
    limiter = RateLimiter(target.rate_limit)

    def one(index: int) -> None:
        item = items[index]
        if item.error:
            result = ReplayResult(None, "inconclusive", item.error, error=True)
        elif stop is not None and stop.is_set():
            result = ReplayResult(None, "inconclusive", _INTERRUPTED, error=True)
        else:
            limiter.wait()
            result = replay_document(item.document, sanitizer=sanitizer, target=target, client=client, parity=parity)
        results[index] = (item.ref, result)
        if on_done is not None:
            on_done(index, item.ref, result)

    def sequence(indices: list[int]) -> None:
        for index in indices:
            one(index)

    groups = _by_user(items)
    if target.concurrency <= 1 or len(groups) <= 1:
        for indices in groups:
            sequence(indices)
    else:
        with ThreadPoolExecutor(max_workers=target.concurrency) as pool:
            for future in [pool.submit(sequence, indices) for indices in groups]:
                future.result()
    return [r for r in results if r is not None]


def _by_user(items: list[SourceItem]) -> list[list[int]]:
    """Indices grouped by user or session, each group in timestamp order; loners alone."""
    groups: dict[Any, list[tuple[float, int]]] = defaultdict(list)
    for index, item in enumerate(items):
        key, stamp = _user_and_time(item)
        groups[key if key is not None else ("item", index)].append((stamp, index))
    ordered = [[i for _, i in sorted(members)] for members in groups.values()]
    return sorted(ordered, key=lambda g: g[0])


def _user_and_time(item: SourceItem) -> tuple[Any, float]:
    if item.error:
        return None, 0.0
    try:
        event = normalize_event(item.document)
    except InputError:
        return None, 0.0
    user = event.get("user") if isinstance(event.get("user"), dict) else {}
    key = next((("user", user[k]) for k in ("id", "username", "email", "ip_address")
                if isinstance(user.get(k), (str, int)) and user[k]), None)  # a dict or list names no one
    return key, _timestamp(event.get("timestamp"))


def _timestamp(value: Any) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        from datetime import datetime

        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return 0.0
    return 0.0
