"""Sanitizing a stream on several cores, in input order, with memory bounded by a window.

The sanitizer is CPU-bound Python, so more throughput means more processes. Each worker builds
its own :class:`~sanitizers.engine.Sanitizer` from the same policy and key, so every worker
makes the same fakes. Raw documents (or the JSONL lines they are) travel to workers through the
pool's pipes, in memory only, like everywhere else between a connector and the sanitizer. At most
two chunks per worker are in flight, so a 20,000-event file costs no more memory than a 200-event one.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import islice
from typing import Any, TypeVar

import orjson

from sanitizers.engine import Sanitizer
from sanitizers.errors import SanitizerError
from sanitizers.policy import Policy

__all__ = ["sanitize_stream", "cpu_count", "settle"]

_worker: Sanitizer | None = None
T = TypeVar("T")


def cpu_count() -> int:
    """Cores this process may run on (the affinity mask, not the machine's total)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def sanitize_stream(sanitizer: Sanitizer, items: Iterable[Any], work: Callable[[Sanitizer, Any], T], *,
                    workers: int = 1, chunk: int = 64) -> Iterator[T | None]:
    """``work(sanitizer, item)`` for each of ``items``, in order; ``None`` in ``items`` (an input
    that failed before it got here) gives ``None`` back in its place. ``workers`` > 1 runs that
    many processes, each with a sanitizer of its own.

    ``work`` runs where a sanitizer is, in a worker when there are several: what the caller does
    with an item before sanitizing it (parse a JSONL line) and what it keeps of a result (its
    JSON, a digest) are done there in parallel, and only that crosses back, so the main process,
    which also reads and writes, does not hold the workers up. It must be a module-level function
    (or a partial of one) returning picklable data; an item is JSON data or bytes."""
    if workers <= 1:
        for item in items:
            yield None if item is None else work(sanitizer, item)
        return
    sanitizer.warm_up()  # imports presidio once, before the fork, so workers share it
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    try:
        yield from _in_pool(sanitizer, items, work, workers, chunk, context)
    except BrokenProcessPool:
        raise SanitizerError("a sanitizer worker process died (out of memory?); "
                             "the output is incomplete, run again with fewer --workers") from None


def _in_pool(sanitizer: Sanitizer, items: Iterable[Any], work: Callable[[Sanitizer, Any], T], workers: int,
             chunk: int, context: Any) -> Iterator[T | None]:
    # a worker ends with the thread that forks it (see _end_with_parent): asked for on the main thread only
    on_main = threading.current_thread() is threading.main_thread()
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                             initargs=(sanitizer.policy, sanitizer.fakes.key, on_main)) as pool:
        pending: deque[Future] = deque()
        remaining = iter(items)
        for batch in iter(lambda: list(islice(remaining, chunk)), []):
            pending.append(pool.submit(_work_chunk, [_pack(item) for item in batch], work))
            if len(pending) >= 2 * workers:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


def settle(sanitizer: Sanitizer) -> None:
    """Warm ``sanitizer`` up, then leave everything built so far out of garbage collection: for
    a process that does nothing but sanitize (a bulk command, a pool's worker). Start-up leaves
    about 50,000 objects (presidio's recognizers, the gazetteers, the fakes' data) that live as
    long as the process, and every full collection would walk them all. Not for a library call:
    it freezes its caller's objects too."""
    sanitizer.warm_up()
    gc.freeze()


def _start_worker(policy: Policy, key: bytes, end_with_parent: bool) -> None:
    """A worker leaves Ctrl-C, which a terminal sends to every process of the command, to its
    parent: the parent finishes the chunks in flight and shuts the pool down, where a worker
    interrupted itself would die with a traceback. SIGTERM ends a worker as it ends any process,
    whatever its parent made of it when the pool was forked: the pool ends the other workers so
    when one dies."""
    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if end_with_parent:
        _end_with_parent()
    _worker = Sanitizer(policy, key=key)
    settle(_worker)


def _end_with_parent() -> None:
    """On Linux, a worker is sent SIGTERM when the process that forked it ends, however it ends:
    killed outright, or by a second signal while the pool was shutting down (which the pool's own
    clean-up then never runs). No worker outlives its run, holding a sanitizer and the run's
    stdout. (The kernel watches the thread that forked the worker: the pool forks its workers
    on the thread of its first submit, which must then be the main one, living as long as the
    process.)"""
    if sys.platform != "linux":
        return
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    parent = multiprocessing.parent_process()
    if parent is not None and os.getppid() != parent.pid:  # it ended before the request was made
        os.kill(os.getpid(), signal.SIGTERM)


def _work_chunk(items: list[Any], work: Callable[[Sanitizer, Any], T]) -> list[T | None]:
    assert _worker is not None, "worker not initialized"
    return [None if item is None else work(_worker, _unpack(item)) for item in items]


# Across the pool's pipes, JSON documents travel as orjson bytes: pickling a nested dict costs
# more than sanitizing takes on the main process's side, and would leave the workers waiting on it.
class _Json(bytes):
    """A document serialized by :func:`_pack`."""


def _pack(item: Any) -> Any:
    if item is None or isinstance(item, bytes):  # an unreadable document's place; bytes travel as they are
        return item
    try:
        return _Json(orjson.dumps(item))
    except TypeError:  # not plain JSON (a table row with dates): pickled as it is
        return item


def _unpack(packed: Any) -> Any:
    return orjson.loads(bytes(packed)) if isinstance(packed, _Json) else packed
