"""Sanitizing a stream on several cores, in input order, with memory bounded by a window.

The sanitizer is CPU-bound Python, so more throughput means more processes. Each worker builds
its own :class:`~sanitizers.engine.Sanitizer` from the same policy and key, so every worker
makes the same fakes. Raw documents travel to workers through the pool's pipes, in memory only,
like everywhere else between a connector and the sanitizer. At most ``window`` chunks are in
flight, so a 20,000-event file costs no more memory than a 200-event one.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from typing import Any

from sanitizers.engine import SanitizeResult, Sanitizer
from sanitizers.policy import Policy

__all__ = ["sanitize_stream", "cpu_count"]

_worker: Sanitizer | None = None


def cpu_count() -> int:
    """Cores this process may run on (the affinity mask, not the machine's total)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def sanitize_stream(sanitizer: Sanitizer, documents: Iterable[Any], *, workers: int = 1,
                    chunk: int = 64) -> Iterator[SanitizeResult | None]:
    """Sanitize ``documents`` in order; ``None`` in the input (an unreadable document) gives
    ``None`` back in its place. ``workers`` > 1 runs that many processes."""
    if workers <= 1:
        for document in documents:
            yield None if document is None else sanitizer.sanitize(document)
        return
    _warm(sanitizer)  # imports presidio once, before the fork, so workers share it
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                             initargs=(sanitizer.policy, sanitizer.fakes.key)) as pool:
        pending: deque[Future] = deque()
        remaining = iter(documents)
        for batch in iter(lambda: list(islice(remaining, chunk)), []):
            pending.append(pool.submit(_sanitize_chunk, batch))
            if len(pending) >= 2 * workers:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


def _start_worker(policy: Policy, key: bytes) -> None:
    global _worker
    _worker = Sanitizer(policy, key=key)


def _sanitize_chunk(documents: list[Any]) -> list[SanitizeResult | None]:
    assert _worker is not None, "worker not initialized"
    return [None if document is None else _worker.sanitize(document) for document in documents]


def _warm(sanitizer: Sanitizer) -> None:
    sanitizer.sanitize({"message": "warm-up jane.doe@example.com from 203.0.113.9 DE89370400440532013000"})
