"""QA targets: where a replay may go, and nowhere else.

A target is a base URL plus the hosts that may be contacted; a request whose URL resolves to
any other host is refused before anything is sent (verdict ``blocked``). ``--target URL`` makes
a one-off target that allows exactly that URL's host.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from replay.errors import ConfigError

__all__ = ["Target", "is_http_url", "target_from_url"]


@dataclass(frozen=True)
class Target:
    name: str
    base_url: str
    allowed_hosts: frozenset[str]
    denied_hosts: frozenset[str] = frozenset()
    headers: tuple[tuple[str, str], ...] = ()
    cookies: tuple[tuple[str, str], ...] = ()  # e.g. a QA test session, filling removed cookies
    timeout: float = 10.0
    methods: frozenset[str] = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
    host_map: tuple[tuple[str, str], ...] = ()
    manifest: str = "/__manifest"  # a path on base_url, or a full URL; see replay.parity
    parity_severity: tuple[tuple[str, str], ...] = ()
    qa_reports: str | None = None  # base URL of the `replay serve` QA's sentry-sdk reports to
    qa_report_wait: float = 3.0  # seconds to wait for QA's error event after its response
    concurrency: int = 1  # users replayed side by side in bulk (one user's requests stay in order)
    rate_limit: float = 0.0  # requests per second overall; 0 = unlimited
    retries: int = 0  # resends after a connection error or timeout, idempotent methods only
    actors: tuple[str, ...] = ()  # who may replay into this target (REPLAY_ACTOR or login); empty: anyone

    def base_for(self, production_url: str) -> str:
        """The QA base URL for a request production received at ``production_url``."""
        host = (urlsplit(production_url).hostname or "").lower()
        return next((qa for prod, qa in self.host_map if prod == host), self.base_url)

    def refusal(self, url: str, method: str) -> str | None:
        """Why a request to ``url`` must not be sent, or None when it may be."""
        if self.actors:
            from replay.access import current_actor

            if current_actor() not in self.actors:
                return f"actor {current_actor()!r} may not replay into target {self.name!r}"
        host = (urlsplit(url).hostname or "").lower()
        if host in self.denied_hosts:
            return f"host {host} is on the target's deny-list"
        if host not in self.allowed_hosts:
            return f"host {host or '(none)'} is not in target {self.name!r}'s allowed hosts"
        if method.upper() not in self.methods:
            return f"method {method} is not allowed for target {self.name!r}"
        return None


_BLANK = re.compile(r"[\s\x00-\x1f\x7f]")


def target_from_url(url: str) -> Target:
    """A one-off target: this base URL, and only its host."""
    if not is_http_url(url):
        raise ConfigError(f"--target {url!r}: expected an http(s) URL such as http://127.0.0.1:8000")
    return Target(name=url, base_url=url.rstrip("/"), allowed_hosts=frozenset({urlsplit(url).hostname.lower()}))


def is_http_url(url: str) -> bool:
    """An http(s) URL with a host and, if any, a port in range; ``http://[::1`` is none, and
    neither is one with a space or control character (urlsplit drops a leading one, httpx not)."""
    if _BLANK.search(url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises for a port out of range
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)
