"""Detect personal data in Sentry events and replace it with consistent, format-preserving fakes.

    >>> from sanitizers import Sanitizer
    >>> result = Sanitizer().sanitize(event)
    >>> result.event, result.changes, result.blocked
"""

from sanitizers.engine import Change, SanitizeResult, Sanitizer, secret_key_from_env
from sanitizers.errors import LeakBlocked, PolicyError, SanitizerError
from sanitizers.policy import Policy, Rule, default_policy, load_policy

__all__ = [
    "Change",
    "LeakBlocked",
    "Policy",
    "PolicyError",
    "Rule",
    "SanitizeResult",
    "Sanitizer",
    "SanitizerError",
    "default_policy",
    "load_policy",
    "secret_key_from_env",
]
