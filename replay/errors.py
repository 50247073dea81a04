"""One error hierarchy for replaying; each message says what went wrong in a user's words.

Connector and sanitizer errors have their own bases (those packages never import this one);
:data:`USER_ERRORS` lists every error that is the user's to fix, so the CLI can print it as one
line instead of a traceback.
"""

from connectors.errors import ConnectorError
from sanitizers.errors import SanitizerError

__all__ = ["ReplayError", "ConfigError", "OutputError", "RequestError", "USER_ERRORS"]


class ReplayError(Exception):
    """Base of the replayer's errors."""


class ConfigError(ReplayError):
    """The configuration or a target is invalid; the message names the file, key and problem."""


class OutputError(ReplayError):
    """An output path cannot be written (no such folder, no permission, a full disk)."""


class RequestError(ReplayError):
    """The event does not hold a request that can be rebuilt (no request, unknown body type...)."""


USER_ERRORS = (ReplayError, ConnectorError, SanitizerError)
