"""Normalize the several shapes Sentry emits into the stored-event schema.

Sentry speaks three dialects of one event: the stored event (snake_case interfaces at the top
level), the legacy interface names (``sentry.interfaces.Http``) still found in old payloads and
samples, and the web API's "event" shape (camelCase, an ``entries`` list). Everything downstream
reads the stored-event schema only, so every connector funnels through :func:`normalize_event`.
"""

from __future__ import annotations

import re
from typing import Any

from connectors.errors import InputError
from connectors.limits import DEFAULT_LIMITS, EventLimits, check_event

__all__ = ["INTERFACE_ALIASES", "API_ENTRY_TYPES", "normalize_event", "unwrap_document"]

#: Legacy interface names and their stored-event keys.
INTERFACE_ALIASES: dict[str, str] = {
    "sentry.interfaces.Http": "request",
    "sentry.interfaces.http.Http": "request",
    "sentry.interfaces.Exception": "exception",
    "sentry.interfaces.exception.Exception": "exception",
    "sentry.interfaces.Message": "logentry",
    "sentry.interfaces.message.Message": "logentry",
    "message": "logentry",
    "sentry.interfaces.User": "user",
    "sentry.interfaces.user.User": "user",
    "sentry.interfaces.Breadcrumbs": "breadcrumbs",
    "sentry.interfaces.Stacktrace": "stacktrace",
    "sentry.interfaces.stacktrace.Stacktrace": "stacktrace",
    "sentry.interfaces.Threads": "threads",
    "sentry.interfaces.Template": "template",
    "sentry.interfaces.DebugMeta": "debug_meta",
    "sentry.interfaces.Contexts": "contexts",
}

#: API ``entries[].type`` values and the stored-event keys they become.
API_ENTRY_TYPES: dict[str, str] = {
    "exception": "exception",
    "breadcrumbs": "breadcrumbs",
    "request": "request",
    "message": "logentry",
    "stacktrace": "stacktrace",
    "threads": "threads",
    "template": "template",
    "debugmeta": "debug_meta",
}

_API_TOP_LEVEL = {
    "eventID": "event_id",
    "dateCreated": "timestamp",
    "dateReceived": "received",
    "groupID": "group_id",
    "packages": "modules",
}
_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")
# Keys whose children are user data, not schema: their names must not be rewritten.
_OPAQUE = {"data", "vars", "extra", "headers", "cookies", "env", "query", "tags", "modules",
           "contexts", "context", "fingerprint", "fingerprints", "_meta", "user"}


def unwrap_document(doc: Any) -> dict[str, Any]:
    """Return the event carried by ``doc``: an event itself, a webhook body or an API response.

    Raises :class:`InputError` when the document holds no event (for example an ``issue``
    webhook, which names an issue but carries none of its events).
    """
    if not isinstance(doc, dict):
        raise InputError(f"expected a JSON object, got a JSON {_json_type(doc)}")
    data = doc.get("data")
    if "action" in doc and isinstance(data, dict):
        for key in ("event", "error"):
            if isinstance(data.get(key), dict):
                return data[key]
        if isinstance(data.get("issue"), dict):
            raise InputError("this webhook names an issue but carries no event; "
                             "use `replay sentry ISSUE` to fetch its events")
        raise InputError("webhook body without data.event or data.error")
    return doc


def normalize_event(doc: Any, limits: EventLimits = DEFAULT_LIMITS) -> dict[str, Any]:
    """Return ``doc`` (any Sentry dialect, or a webhook body) as a stored-schema event.

    The input is not modified. Unknown keys are kept as they are, so nothing is lost. Raises
    :class:`~connectors.errors.LimitExceeded` for a document over ``limits``: this is the funnel
    every connector shares, so no oversized event reaches the sanitizer whatever door it used.
    """
    from connectors.http_records import is_request_record, request_record_event

    check_event(doc, limits)
    if is_request_record(doc):
        return request_record_event(doc)
    event = dict(unwrap_document(doc))
    if "entries" in event and isinstance(event["entries"], list):
        event = _from_api_shape(event)
    for legacy, key in INTERFACE_ALIASES.items():
        if legacy in event:
            value = event.pop(legacy)
            if key == "logentry" and isinstance(value, str):
                value = {"formatted": value}
            event.setdefault(key, value)
    for key in ("exception", "breadcrumbs", "threads"):
        if isinstance(event.get(key), list):
            event[key] = {"values": event[key]}
    if isinstance(event.get("tags"), list):
        event["tags"] = [_tag_pair(tag) for tag in event["tags"]]
    return event


def _from_api_shape(api: dict[str, Any]) -> dict[str, Any]:
    event: dict[str, Any] = {}
    for key, value in api.items():
        if key in ("entries", "entries_meta"):
            continue
        event[_API_TOP_LEVEL.get(key, _snake(key))] = value
    for entry in api["entries"]:
        if not isinstance(entry, dict):
            continue
        key = API_ENTRY_TYPES.get(str(entry.get("type", "")).lower())
        if key and entry.get("data") is not None:
            data = _snake_keys(entry["data"])
            if key == "logentry" and isinstance(data, dict):
                data = {k: v for k, v in data.items() if v is not None}
            event[key] = data
    if isinstance(event.get("request"), dict):
        event["request"] = {k: v for k, v in event["request"].items() if v is not None}
    return event


def _snake_keys(value: Any) -> Any:
    """camelCase to snake_case for schema keys, leaving user data (vars, data, ...) alone."""
    if isinstance(value, dict):
        return {_snake(k): (v if k in _OPAQUE else _snake_keys(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_snake_keys(v) for v in value]
    return value


def _snake(name: str) -> str:
    special = {"lineNo": "lineno", "colNo": "colno", "absPath": "abs_path"}
    return special.get(name) or _CAMEL.sub(r"_\1", name).lower()


def _tag_pair(tag: Any) -> Any:
    if isinstance(tag, dict) and "key" in tag:
        return [tag["key"], tag.get("value")]
    return tag


def _json_type(value: Any) -> str:
    return {list: "array", str: "string", int: "number", float: "number",
            bool: "boolean", type(None): "null"}.get(type(value), type(value).__name__)
