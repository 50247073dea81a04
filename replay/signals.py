"""How bulk commands stop on SIGTERM and Ctrl-C: finish or undo what is in flight, write what
they hold (audit records), say so, and end as the signal would have ended them.

Python runs signal handlers in the main thread only, and only the main thread may install them:
off it, these leave the signals as they are.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator
from typing import NoReturn

__all__ = ["Interrupted", "die_of", "interrupt_on_signals", "signals_held", "stop_on_signals"]

_SIGNALS = (signal.SIGTERM, signal.SIGINT)
Handler = Callable[[int, object], None]


class Interrupted(KeyboardInterrupt):
    """SIGTERM or SIGINT, raised where the main thread is."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def _handling(handler: Handler) -> Iterator[None]:
    """``handler`` for the signals the process handles: one it ignores (Ctrl-C in a shell's
    background job) stays ignored, and one a C extension handles stays its."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    taken = [signum for signum in _SIGNALS if signal.getsignal(signum) not in (signal.SIG_IGN, None)]
    previous = {signum: signal.signal(signum, handler) for signum in taken}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


@contextlib.contextmanager
def interrupt_on_signals() -> Iterator[None]:
    """SIGTERM and SIGINT raise :class:`Interrupted`: each ``with`` around the work is left, so
    what it holds is written and what it was writing is undone. (SIGTERM would otherwise end
    the process on the spot.)"""
    def interrupt(signum: int, frame: object) -> None:
        raise Interrupted(signum)

    with _handling(interrupt):
        yield


@contextlib.contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """An event the first SIGTERM or SIGINT sets: work in flight finishes and is recorded, nothing
    new starts. A second signal raises KeyboardInterrupt to stop at once."""
    stop = threading.Event()

    def handler(signum: int, frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    with _handling(handler):
        yield stop


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """SIGTERM and SIGINT that arrive inside are handled when it is left, each in turn, as they
    would have been (a transaction is not cut in two, nor its records lost with its rollback).
    Where the block failed, its error is what goes on: a handler's flag is set (stop), what a
    handler raises is not (the records were not written, and the error says so)."""
    arrived: list[int] = []
    try:
        with _handling(lambda signum, frame: arrived.append(signum)):
            yield
    except BaseException:
        _deliver(arrived, quietly=True)
        raise
    _deliver(arrived)


def _deliver(arrived: list[int], *, quietly: bool = False) -> None:
    for signum in arrived:
        try:
            signal.raise_signal(signum)
        except BaseException:
            if not quietly:
                raise


def die_of(signum: int) -> NoReturn:
    """End the process by ``signum``, its default action, once the command has cleaned up: a
    parent (a shell, systemd, ``timeout``) then sees that the signal ended it."""
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
    raise SystemExit(128 + signum)  # where the default action does not end the process
