"""Detect personal data in Sentry events and replace it with consistent, format-preserving fakes.

    >>> from sanitizers import Sanitizer
    >>> result = Sanitizer().sanitize(event)
    >>> result.event, result.changes, result.blocked

The names below are imported on first use: importing the package (as ``replay``'s error classes
do for ``sanitizers.errors``) costs nothing, where the engine and its detectors take a tenth of a
second to import, half of ``replay --help``'s start-up.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sanitizers.engine import Change, SanitizeResult, Sanitizer, secret_key_from_env
    from sanitizers.errors import LeakBlocked, PolicyError, SanitizerError
    from sanitizers.policy import Policy, Rule, default_policy, load_policy

# each public name, and the module that defines it
_MODULES = {
    "Change": "engine",
    "LeakBlocked": "errors",
    "Policy": "policy",
    "PolicyError": "errors",
    "Rule": "policy",
    "SanitizeResult": "engine",
    "Sanitizer": "engine",
    "SanitizerError": "errors",
    "default_policy": "policy",
    "load_policy": "policy",
    "secret_key_from_env": "engine",
}

__all__ = list(_MODULES)


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module 'sanitizers' has no attribute {name!r}")
    value = getattr(import_module(f"sanitizers.{module}"), name)
    globals()[name] = value  # looked up once
    return value
