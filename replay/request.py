"""Rebuild the HTTP request an event recorded, as faithfully as the event allows.

Sentry records requests in several forms (headers as dicts or pair lists, cookies as dicts,
pairs or a header string, the query string as a string, pairs or a dict, bodies as parsed dicts
or raw strings); :func:`rebuild_request` normalizes them into one :class:`RequestSpec` with
headers in their recorded order, duplicates kept, and the body re-encoded in its content type.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from replay.errors import RequestError

__all__ = ["HOP_BY_HOP", "PLACEHOLDERS", "RequestSpec", "rebuild_request"]

HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
    "te", "trailer", "trailers", "transfer-encoding", "upgrade", "host", "content-length",
    "expect", "sentry-trace", "baggage", "traceparent", "tracestate",
})
PLACEHOLDERS = frozenset({"[Filtered]", "[filtered]", "[redacted]"})
_METHOD = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}")  # an HTTP token (RFC 9110), of a sane length


@dataclass
class RequestSpec:
    """A request ready to send: ``path`` excludes the host, ``query`` is already encoded."""

    method: str
    path: str
    query: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    content_type: str | None = None
    production_url: str = ""
    holes: list[str] = field(default_factory=list)

    @property
    def target_path(self) -> str:
        return self.path + (f"?{self.query}" if self.query else "")


def rebuild_request(event: dict[str, Any]) -> RequestSpec:
    """The request of a (sanitized) event; :class:`RequestError` when there is none to replay."""
    request = event.get("request")
    if not isinstance(request, dict) or not request.get("url"):
        raise RequestError("event has no request with a URL to replay")
    url = request["url"]
    if not isinstance(url, str):
        raise RequestError(f"event's request URL is {type(url).__name__}, not text")
    try:
        parts = urlsplit(url)
    except ValueError:  # "http://[::1/x": an unclosed IPv6 bracket; the message would quote the URL
        raise RequestError("event's request URL is malformed (an invalid host part)") from None
    # an absolute http(s) URL, or a path: anything else ("javascript:...", "orders-of-...") would be
    # glued to QA's base URL as something else entirely
    absolute = parts.scheme in ("http", "https") and bool(parts.netloc)
    a_path = not parts.scheme and not parts.netloc and parts.path.startswith("/")
    if not (absolute or a_path):
        raise RequestError("event's request URL is malformed (neither an http(s) URL nor a path)")
    method = request.get("method") or ("POST" if request.get("data") not in (None, "") else "GET")
    if not isinstance(method, str) or not _METHOD.fullmatch(method):
        raise RequestError("event's request method is not an HTTP method")
    method = method.upper()
    headers = [(k, v) for k, v in _pairs(request.get("headers")) if k.lower() not in HOP_BY_HOP]
    cookie = _cookie_header(request.get("cookies"))
    if cookie and any(k.lower() == "cookie" and v in PLACEHOLDERS for k, v in headers):
        headers = [(k, v) for k, v in headers if k.lower() != "cookie"]  # the SDK kept more per cookie
    if cookie and not any(k.lower() == "cookie" for k, _ in headers):
        headers.append(("Cookie", cookie))
    content_type = next((v for k, v in headers if k.lower() == "content-type"), None)
    body, content_type, body_holes = _body(request.get("data"), content_type, request)
    body_holes += _removed_body(event)
    if content_type and not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", content_type))
    return RequestSpec(
        method=method,
        path=parts.path or "/",
        query=_query(request.get("query_string"), parts.query),
        headers=headers,
        body=body,
        content_type=content_type,
        production_url=f"{parts.scheme}://{parts.netloc}" if parts.netloc else "",
        holes=body_holes,
    )


def _removed_body(event: dict[str, Any]) -> list[str]:
    """The SDK or Relay cut the body (too large, or by config): say so, with the original length."""
    meta = (((event.get("_meta") or {}).get("request") or {}).get("data") or {}).get("")
    if not isinstance(meta, dict) or not meta.get("rem"):
        return []
    length = f", original length {meta['len']}" if isinstance(meta.get("len"), int) else ""
    return [f"body: removed before capture ({meta['rem'][0][0]}{length}); replayed without it"]


def _pairs(value: Any) -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [(str(k), _text(v)) for k, v in value.items() if v is not None]
    if isinstance(value, list):
        return [(str(p[0]), _text(p[1])) for p in value if isinstance(p, (list, tuple)) and len(p) == 2 and p[1] is not None]
    return []


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _cookie_header(cookies: Any) -> str:
    if isinstance(cookies, str):
        return cookies
    return "; ".join(f"{k}={v}" for k, v in _pairs(cookies))


def _query(query: Any, from_url: str) -> str:
    if isinstance(query, str):
        return query.lstrip("?")
    if isinstance(query, (list, dict)) and query:
        return urlencode(_pairs(query))
    return from_url


def _body(data: Any, content_type: str | None, request: dict) -> tuple[bytes, str | None, list[str]]:
    if data is None or data == "":
        return b"", content_type, []
    if isinstance(data, str) and data in PLACEHOLDERS:
        return b"", content_type, ["body (removed before capture)"]
    kind = (content_type or request.get("inferred_content_type") or "").split(";")[0].strip().lower()
    if isinstance(data, str):
        return data.encode("utf-8"), content_type or (kind or None), []
    if kind in ("", "application/json") or kind.endswith("+json"):
        return json.dumps(data, ensure_ascii=False).encode("utf-8"), content_type or "application/json", []
    if kind == "application/x-www-form-urlencoded" and isinstance(data, dict):
        return urlencode(_form_pairs(data)).encode(), content_type, []
    if kind == "multipart/form-data" and isinstance(data, dict):
        return _multipart(data, content_type or "")
    raise RequestError(f"cannot rebuild a body of content type {kind!r} from parsed data")


def _form_pairs(data: dict) -> list[tuple[str, str]]:
    pairs = []
    for key, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((str(key), "" if item is None else str(item)))
    return pairs


def _multipart(data: dict, content_type: str) -> tuple[bytes, str | None, list[str]]:
    boundary = content_type.partition("boundary=")[2].strip('"') or "incident-replay-boundary"
    out = []
    for key, value in _form_pairs(data):
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n')
    out.append(f"--{boundary}--\r\n")
    return "".join(out).encode("utf-8"), f"multipart/form-data; boundary={boundary}", ["multipart files (not recorded)"]
