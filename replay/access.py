"""Who may do what: bearer tokens with roles for `replay serve`'s API, and actors per target.

Tokens are configured as hashes, never in clear (``printf %s "$TOKEN" | sha256sum``)::

    [access.tokens]
    "sha256:9f86d08..." = { actor = "alice", role = "privacy-officer" }
    "sha256:60303ae..." = { actor = "ci", role = "viewer" }

Roles are ordered: ``viewer`` (read verdicts) < ``operator`` < ``privacy-officer`` (also reads
the audit trail). Every denial is recorded in the audit trail by the caller.
"""

from __future__ import annotations

import functools
import getpass
import hashlib
import hmac
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any


__all__ = ["ROLES", "AccessDenied", "AccessPolicy", "current_actor", "load_access"]

ROLES = ("viewer", "operator", "privacy-officer")


class AccessDenied(Exception):
    """``status`` is 401 (no or unknown token) or 403 (the role is too low)."""

    def __init__(self, status: int, message: str, actor: str | None = None) -> None:
        super().__init__(message)
        self.status, self.actor = status, actor


def current_actor() -> str:
    """``REPLAY_ACTOR`` (set it in CI and services), else the login name."""
    return os.environ.get("REPLAY_ACTOR") or _login_name()


@functools.cache
def _login_name() -> str:
    """Looked up once: a bulk command records an actor per event, and the lookup may read the
    password database each time."""
    try:
        return getpass.getuser()
    except Exception:  # no login name (containers without a passwd entry)
        return "unknown"


@dataclass(frozen=True)
class AccessPolicy:
    tokens: tuple[tuple[str, str, str], ...]  # (sha256 hex, actor, role)

    def authorize(self, authorization: str | None, role: str) -> str:
        """The actor behind a ``Bearer`` header if its role is at least ``role``."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise AccessDenied(401, "a bearer token is required")
        digest = hashlib.sha256(token.encode()).hexdigest()
        match = next(((actor, r) for h, actor, r in self.tokens if hmac.compare_digest(h, digest)), None)
        if match is None:
            raise AccessDenied(401, "unknown bearer token")
        actor, granted = match
        if ROLES.index(granted) < ROLES.index(role):
            raise AccessDenied(403, f"role {granted} may not do this (needs {role})", actor)
        return actor


def load_access(path: Path | None) -> AccessPolicy | None:
    """The ``[access]`` table of the config file, or None when it has none (open on loopback)."""
    from replay.errors import ConfigError  # imported late: `replay --help` must stay instant

    if path is None or not path.is_file():
        return None
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text("utf-8")).get("access") or {}
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read access settings ({type(exc).__name__})") from None
    tokens = []
    for key, entry in (data.get("tokens") or {}).items():
        where = f"{path}: access.tokens.{key[:20]}"
        digest = key.removeprefix("sha256:").lower()
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ConfigError(f"{where}: a token key is sha256:<64 hex digits> (the hash, never the token)")
        if not isinstance(entry, dict) or entry.get("role") not in ROLES or not entry.get("actor"):
            raise ConfigError(f"{where}: needs actor and role (one of {', '.join(ROLES)})")
        tokens.append((digest, str(entry["actor"]), str(entry["role"])))
    return AccessPolicy(tuple(tokens)) if tokens else None
