"""replay.signals: how bulk commands stop on SIGTERM and Ctrl-C (run in the main thread)."""

from __future__ import annotations

import signal

import pytest

from replay.signals import Interrupted, interrupt_on_signals, signals_held, stop_on_signals


@pytest.fixture(autouse=True)
def default_handlers():
    """The handlers a process starts with, whatever the suite's runner inherited (a job run in
    the background ignores SIGINT, and these helpers rightly leave an ignored signal ignored)."""
    previous = {signum: signal.signal(signum, handler) for signum, handler in
                ((signal.SIGTERM, signal.SIG_DFL), (signal.SIGINT, signal.default_int_handler))}
    yield
    for signum, handler in previous.items():
        signal.signal(signum, handler)


def test_a_signal_held_during_a_write_that_fails_leaves_the_failure_to_go_on() -> None:
    """The records were not written: the error says so, not an interruption saying they were."""
    with pytest.raises(RuntimeError, match="database is locked"), interrupt_on_signals():
        with signals_held():
            signal.raise_signal(signal.SIGTERM)
            raise RuntimeError("database is locked")


def test_a_signal_held_during_a_failing_write_still_asks_a_service_to_stop() -> None:
    with pytest.raises(RuntimeError), stop_on_signals() as stop:
        with signals_held():
            signal.raise_signal(signal.SIGTERM)
            raise RuntimeError("database is locked")
    assert stop.is_set()


def test_a_signal_held_during_a_write_is_handled_once_it_is_done() -> None:
    with pytest.raises(Interrupted) as stopped, interrupt_on_signals():
        with signals_held():
            signal.raise_signal(signal.SIGTERM)
            written = True
    assert written and stopped.value.signum == signal.SIGTERM


def test_two_signals_held_are_two_signals_once_the_hold_is_over() -> None:
    """Under stop_on_signals the first asks to stop, the second stops at once."""
    with pytest.raises(KeyboardInterrupt), stop_on_signals() as stop:
        with signals_held():
            signal.raise_signal(signal.SIGTERM)
            signal.raise_signal(signal.SIGTERM)
            assert not stop.is_set()  # nothing happens inside the hold
    assert stop.is_set()


def test_a_signal_the_process_ignores_stays_ignored() -> None:
    """A shell's background job ignores Ctrl-C: a bulk command run there must too."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with interrupt_on_signals():
            signal.raise_signal(signal.SIGINT)
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)
