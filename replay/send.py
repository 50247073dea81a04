"""Send a rebuilt request to a QA target with httpx, after the allow-list check."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from replay.request import RequestSpec
from replay.target import Target

__all__ = ["Outcome", "send"]

_EXCERPT = 2000
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})


@dataclass
class Outcome:
    """What QA did: a status and a body excerpt, or why nothing came back."""

    url: str
    status: int | None = None
    body: str = ""
    elapsed_ms: float = 0.0
    error: str | None = None
    refused: str | None = None
    trace_id: str | None = None


def send(spec: RequestSpec, target: Target, *, client: httpx.Client | None = None,
         extra_headers: list[tuple[str, str]] | None = None) -> Outcome:
    """Send ``spec`` to ``target``; never raises for network trouble (that is an outcome)."""
    url = target.base_for(spec.production_url) + spec.target_path  # Host follows from the URL
    refusal = target.refusal(url, spec.method)
    if refusal:
        return Outcome(url, refused=refusal)
    base = target.base_for(spec.production_url)
    headers = [(k, _rewrite_origin(k, v, spec.production_url, base)) for k, v in spec.headers
               if k.lower() not in {h.lower() for h, _ in target.headers}]
    trace_id = uuid.uuid4().hex  # fresh per replay: QA's own error event carries it back
    headers += list(target.headers) + list(extra_headers or []) + [
        ("sentry-trace", f"{trace_id}-{uuid.uuid4().hex[:16]}"), ("baggage", f"sentry-trace_id={trace_id}")]
    own = client is None
    client = client or httpx.Client(timeout=target.timeout, follow_redirects=False, trust_env=False)
    attempts = 1 + (target.retries if spec.method.upper() in _IDEMPOTENT else 0)
    attempt = 0
    try:
        while True:
            attempt += 1
            started = time.perf_counter()
            try:
                response = client.request(spec.method, url, headers=headers, content=spec.body or None)
            except (httpx.TimeoutException, httpx.ConnectError) as exc:
                if attempt < attempts:
                    time.sleep(min(2.0, 0.2 * 2 ** (attempt - 1)))
                    continue
                error = (f"QA did not answer within {target.timeout:g}s" if isinstance(exc, httpx.TimeoutException)
                         else "connection refused or host unreachable")
                return Outcome(url, error=_tries(error, attempts), trace_id=trace_id)
            except httpx.HTTPError as exc:
                return Outcome(url, error=f"HTTP error ({type(exc).__name__})", trace_id=trace_id)
            return Outcome(url, status=response.status_code, body=response.text[:_EXCERPT],
                           elapsed_ms=(time.perf_counter() - started) * 1000, trace_id=trace_id)
    finally:
        if own:
            client.close()


def _rewrite_origin(name: str, value: str, production_url: str, qa_base: str) -> str:
    """Origin and Referer that name production's host point at QA instead (CSRF checks compare them)."""
    if name.lower() not in ("origin", "referer") or not production_url or not value.startswith(production_url):
        return value
    return urlsplit(qa_base)._replace(path="", query="", fragment="").geturl() + value[len(production_url):]


def _tries(error: str, attempts: int) -> str:
    return f"{error} (after {attempts} tries)" if attempts > 1 else error
