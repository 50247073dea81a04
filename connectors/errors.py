"""Errors raised while turning a source into events.

Messages name the input (file, line, offset) and the problem, never a value from the event.
"""

__all__ = ["ConnectorError", "InputError"]


class ConnectorError(Exception):
    """A source could not be read or did not hold a Sentry event."""


class InputError(ConnectorError):
    """One input item is malformed; the rest of the source is still usable."""
