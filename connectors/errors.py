"""Errors raised while turning a source into events.

Messages name the input (file, line, offset) and the problem, never a value from the event.
"""

__all__ = ["ConnectorError", "InputError", "LimitExceeded"]


class ConnectorError(Exception):
    """A source could not be read or did not hold a Sentry event."""


class InputError(ConnectorError):
    """One input item is malformed; the rest of the source is still usable."""


class LimitExceeded(InputError):
    """One input item is over a configured limit; ``limit`` names it (``max_depth``, ...)."""

    _KINDS = {"max_event_bytes": "EventTooLarge", "max_depth": "EventTooDeep"}

    def __init__(self, limit: str, message: str) -> None:
        super().__init__(message)
        self.limit = limit

    @property
    def kind(self) -> str:
        """A class-like name for dead-letter records and counters."""
        return self._KINDS.get(self.limit, "LimitExceeded")
