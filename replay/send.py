"""Send a rebuilt request to a QA target with httpx, after the allow-list check.

A QA that is down, slow, resets, or answers garbage gives an outcome naming the fault in our own
words; only idempotent methods are resent, so a POST reaches QA at most once.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from replay.request import RequestSpec
from replay.target import Target

__all__ = ["CONNECT_ERROR", "Outcome", "send"]

_EXCERPT = 2000
_READ_LIMIT = 64 * 1024  # bytes of QA's body read at most (decoded): enough for the excerpt in any charset
CONNECT_ERROR = "connection refused or host unreachable"  # nothing was sent: safe to retry any method
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
    if client is not None:
        return _attempts(client, spec, url, headers, target, trace_id)
    with httpx.Client(timeout=target.timeout, follow_redirects=False, trust_env=False) as own:
        return _attempts(own, spec, url, headers, target, trace_id)


def _attempts(client: httpx.Client, spec: RequestSpec, url: str, headers: list[tuple[str, str]], target: Target,
              trace_id: str) -> Outcome:
    """Send once; resend after a transport fault only for idempotent methods (a POST is never sent twice)."""
    attempts = 1 + (target.retries if spec.method.upper() in _IDEMPOTENT else 0)
    attempt = 0
    while True:
        attempt += 1
        started = time.perf_counter()
        try:
            status, body = _exchange(client, spec, url, headers)
        except httpx.TransportError as exc:
            if attempt < attempts:
                time.sleep(min(2.0, 0.2 * 2 ** (attempt - 1)))
                continue
            return Outcome(url, error=_tries(_fault(exc, target.timeout), attempts), trace_id=trace_id)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:  # InvalidURL's message quotes the URL
            return Outcome(url, error=f"HTTP error ({type(exc).__name__})", trace_id=trace_id)
        return Outcome(url, status=status, body=body, elapsed_ms=(time.perf_counter() - started) * 1000,
                       trace_id=trace_id)


def _exchange(client: httpx.Client, spec: RequestSpec, url: str, headers: list[tuple[str, str]]) -> tuple[int, str]:
    """Status and body excerpt; reads at most ``_READ_LIMIT`` bytes so a huge (or endless) answer cannot hang us."""
    # a non-ASCII header value (a name in User-Agent, an encoded filename) goes as the UTF-8 bytes
    # browsers send: httpx would refuse to encode it as ASCII
    headers = [(k if k.isascii() else k.encode(), v if v.isascii() else v.encode()) for k, v in headers]
    with client.stream(spec.method, url, headers=headers, content=spec.body or None) as response:
        data = bytearray()
        for chunk in response.iter_bytes():
            data += chunk
            if len(data) >= _READ_LIMIT:
                break
        text = bytes(data[:_READ_LIMIT]).decode(response.encoding or "utf-8", "replace")
        return response.status_code, text[:_EXCERPT]


def _fault(exc: httpx.TransportError, timeout: float) -> str:
    """The fault in our own words: httpx's text may quote the bytes QA sent (h11 does)."""
    if isinstance(exc, httpx.TimeoutException):
        return f"QA did not answer within {timeout:g}s"
    if isinstance(exc, httpx.ConnectError):
        return CONNECT_ERROR
    if isinstance(exc, httpx.NetworkError):
        return "QA reset the connection"
    if isinstance(exc, httpx.RemoteProtocolError):
        text = str(exc)
        if "without sending a response" in text:
            return "QA closed the connection without answering"
        if "incomplete" in text or "complete message body" in text:
            return "QA's response was cut short"
        return "QA's response is not valid HTTP"
    return f"network error ({type(exc).__name__})"


def _rewrite_origin(name: str, value: str, production_url: str, qa_base: str) -> str:
    """Origin and Referer that name production's host point at QA instead (CSRF checks compare them)."""
    if name.lower() not in ("origin", "referer") or not production_url or not value.startswith(production_url):
        return value
    return urlsplit(qa_base)._replace(path="", query="", fragment="").geturl() + value[len(production_url):]


def _tries(error: str, attempts: int) -> str:
    return f"{error} (after {attempts} tries)" if attempts > 1 else error
