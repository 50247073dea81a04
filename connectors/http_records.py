"""HTTP exchanges recorded outside Sentry (HAR files, request logs, access logs) as Sentry events.

Every connector speaks Sentry's event schema, so one sanitizer and one replayer serve all
sources. A recorded exchange becomes an event with a ``request`` interface, the response status
in ``contexts.response.status_code`` (which the verdict compares with QA's), and a message
naming the failure. Only failed exchanges (status >= 400 by default) are incidents.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from connectors.errors import InputError

__all__ = ["har_events", "is_request_record", "record_event", "request_record_event", "table_events"]


def record_event(*, method: str, url: str, status: int | None, headers: Any = None, cookies: Any = None,
                 query_string: Any = None, body: Any = None, content_type: str | None = None,
                 timestamp: Any = None, source: str = "") -> dict[str, Any]:
    """One recorded request as a stored-schema event; its id is stable for the same exchange."""
    identity = f"{source}|{timestamp}|{method}|{url}|{status}".encode()
    request: dict[str, Any] = {"method": method.upper(), "url": url}
    for key, value in (("headers", headers), ("cookies", cookies), ("query_string", query_string),
                       ("data", body), ("inferred_content_type", content_type)):
        if value not in (None, "", [], {}):
            request[key] = value
    event: dict[str, Any] = {
        "event_id": hashlib.sha256(identity).hexdigest()[:32],
        "platform": "other",
        "level": "error",
        "logentry": {"formatted": f"HTTP {status} on {method.upper()} {url.split('?')[0]}"},
        "request": request,
        "contexts": {"response": {"type": "response", "status_code": status}} if status is not None else {},
        "tags": [["source", source]] if source else [],
    }
    if timestamp is not None:
        event["timestamp"] = timestamp
    return event


def is_request_record(doc: Any) -> bool:
    """A request-log line (``{"method", "url"|"path", "status", ...}``) rather than a Sentry event."""
    return (isinstance(doc, dict) and "method" in doc and ("url" in doc or "path" in doc)
            and not {"request", "exception", "event_id", "entries", "sentry.interfaces.Http"} & doc.keys())


def request_record_event(doc: dict[str, Any]) -> dict[str, Any]:
    url = str(doc.get("url") or doc.get("path"))
    status = doc.get("status") if isinstance(doc.get("status"), int) else doc.get("status_code")
    return record_event(method=str(doc["method"]), url=url, status=status if isinstance(status, int) else None,
                        headers=doc.get("headers"), cookies=doc.get("cookies"), query_string=doc.get("query_string"),
                        body=doc.get("body"), content_type=doc.get("content_type"),
                        timestamp=doc.get("timestamp") or doc.get("ts"), source="request-log")


def har_events(har: Any, *, min_status: int = 400) -> Iterator[dict[str, Any]]:
    """The failed entries of a HAR document (``log.entries``), oldest first."""
    entries = har.get("log", {}).get("entries") if isinstance(har, dict) and isinstance(har.get("log"), dict) else None
    if not isinstance(entries, list):
        raise InputError("not a HAR file: no log.entries list")
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("request") or {}, dict) \
                or not isinstance(entry.get("response") or {}, dict):
            continue  # not an exchange a browser recorded
        request, response = entry.get("request") or {}, entry.get("response") or {}
        status = response.get("status")
        if not isinstance(status, int) or status < min_status or not request.get("url"):
            continue
        post = request.get("postData") if isinstance(request.get("postData"), dict) else {}
        yield record_event(
            method=str(request.get("method") or "GET"), url=str(request["url"]).split("?")[0], status=status,
            headers=_har_pairs(request.get("headers")), cookies=_har_pairs(request.get("cookies")),
            query_string=_har_pairs(request.get("queryString")),
            body=post.get("text"), content_type=post.get("mimeType"), timestamp=entry.get("startedDateTime"),
            source="har")


def _har_pairs(items: Any) -> list[list[Any]]:
    """``[{"name": ..., "value": ...}, ...]`` as pairs; anything else in the list is no pair."""
    if not isinstance(items, list):
        return []
    return [[i.get("name"), i.get("value")] for i in items if isinstance(i, dict) and i.get("name")]


def table_events(path: str, *, min_status: int = 400) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """(row number, event or None, error or None) for each failed row of a CSV or Parquet access log.

    Columns: ``method``, ``url`` or ``path``, ``status``; optional ``timestamp``, ``query_string``,
    ``user_agent``, ``referer``, ``client_ip``, ``body``, ``content_type``.
    """
    import pandas as pd

    try:
        frame = pd.read_parquet(path) if path.endswith(".parquet") else pd.read_csv(path, dtype=str, keep_default_na=False)
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise InputError(f"not a readable access log ({type(exc).__name__})") from None
    columns = set(frame.columns)
    if "method" not in columns or not ({"url", "path"} & columns) or "status" not in columns:
        raise InputError("an access log needs the columns method, url (or path) and status")
    for number, row in enumerate(frame.to_dict("records"), start=2):
        try:
            status = int(row["status"])
        except (TypeError, ValueError):
            yield number, None, "status is not a number"
            continue
        if status < min_status:
            continue
        headers = [[name, str(row[col])] for col, name in (("user_agent", "User-Agent"), ("referer", "Referer"),
                                                            ("client_ip", "X-Forwarded-For"))
                   if row.get(col) not in (None, "")]
        yield number, record_event(method=str(row["method"]), url=str(row.get("url") or row.get("path")),
                                   status=status, headers=headers, query_string=row.get("query_string") or None,
                                   body=row.get("body") or None, content_type=row.get("content_type") or None,
                                   timestamp=row.get("timestamp") or None, source="access-log"), None
