"""One error hierarchy for replaying; each message says what went wrong in a user's words.

Connector and sanitizer errors have their own bases (those packages never import this one);
:data:`USER_ERRORS` lists every error that is the user's to fix, so the CLI can print it as one
line instead of a traceback.
"""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from connectors.errors import ConnectorError
from sanitizers.errors import SanitizerError

__all__ = ["ReplayError", "ConfigError", "OutputError", "RequestError", "USER_ERRORS", "unusable_database"]


class ReplayError(Exception):
    """Base of the replayer's errors."""


class ConfigError(ReplayError):
    """The configuration or a target is invalid; the message names the file, key and problem."""


class OutputError(ReplayError):
    """An output path cannot be written (no such folder, no permission, a full disk)."""


class RequestError(ReplayError):
    """The event does not hold a request that can be rebuilt (no request, unknown body type...)."""


USER_ERRORS = (ReplayError, ConnectorError, SanitizerError)


@contextmanager
def unusable_database(what: str, path: Path) -> Iterator[None]:
    """Opening a SQLite file that cannot be one (a folder that cannot be made, a file of another
    kind, no permission) is the user's to fix: a :class:`ConfigError` naming it, not a traceback."""
    try:
        yield
    except (OSError, sqlite3.Error) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(f"cannot open the {what} at {path} ({reason})") from None
