"""Real production errors for tests: the example shop with sentry-sdk capturing in memory."""

from __future__ import annotations

from examples.shop import BUGS
from replay.demo import capture_production_events

__all__ = ["capture_bug_events"]


def capture_bug_events(*names: str) -> dict[str, dict]:
    """One captured production event per planted bug, keyed by bug name."""
    _, events = capture_production_events([BUGS[name].example for name in names])
    assert len(events) == len(names), "every planted bug must produce exactly one error event"
    return dict(zip(names, events))
