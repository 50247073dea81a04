"""Errors of the sanitizer. Messages name rules, paths and lengths, never values."""

__all__ = ["SanitizerError", "PolicyError", "LeakBlocked"]


class SanitizerError(Exception):
    """The sanitizer could not produce a safe event."""


class PolicyError(SanitizerError):
    """The policy file is unreadable or invalid; the message names the file and the rule."""


class LeakBlocked(SanitizerError):
    """The leak gate found personal data in the output; the event must not be emitted."""

    def __init__(self, message: str, leaks: list[dict]) -> None:
        super().__init__(message)
        self.leaks = leaks
