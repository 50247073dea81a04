"""Decode one Kafka message into a Sentry event, whatever form it came in.

Forms, detected per message:

- a JSON Sentry event (any dialect :func:`connectors.normalize_event` reads, webhook bodies too);
- self-hosted Sentry's ``ingest-events`` message: a msgpack map with ``type``, ``payload`` (the
  event JSON as bytes), ``event_id``, ``project_id``, ``start_time``;
- the ``events`` topic's ``[version, "insert", {..., "data": event}]`` (JSON).

Anything else raises :class:`PoisonMessage`, whose message describes the problem in words of its
own: parser messages are never passed on, because some of them quote the input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from connectors.errors import LimitExceeded
from connectors.limits import DEFAULT_LIMITS, EventLimits, check_event, parse_json

__all__ = ["Decoded", "PoisonMessage", "canonical_event_id", "decode_message", "DEFAULT_MAX_BYTES"]

DEFAULT_MAX_BYTES = 1_000_000

_EVENT_ID = re.compile(r"^[0-9a-fA-F]{32}$")
# Keys of which a Sentry event (or a webhook body carrying one) has at least one.
_EVENT_KEYS = frozenset({"event_id", "exception", "request", "message", "logentry", "entries", "eventID",
                         "sentry.interfaces.Http", "sentry.interfaces.Exception", "sentry.interfaces.Message",
                         "threads", "stacktrace", "breadcrumbs"})
_MSGPACK_MAP_FIRST = frozenset(range(0x80, 0x90)) | {0xDE, 0xDF}


class PoisonMessage(Exception):
    """The message is no event this pipeline can read; ``kind`` names the problem's class."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass
class Decoded:
    """An event (raw, memory only) and the form it came in; ``event`` is None for control messages."""

    form: str  # json | ingest-events | events-insert | ignored
    event: dict[str, Any] | None
    event_id: str | None = None
    note: str = ""


def decode_message(value: bytes | None, *, max_bytes: int = DEFAULT_MAX_BYTES,
                   limits: EventLimits = DEFAULT_LIMITS) -> Decoded:
    """Return the event ``value`` carries (within ``limits``), or raise :class:`PoisonMessage`."""
    if value is None:
        return Decoded("ignored", None, note="tombstone (no value)")
    if len(value) > max_bytes:
        raise PoisonMessage("MessageTooLarge", f"message of {len(value)} bytes exceeds the limit of {max_bytes}")
    if not value.strip():
        raise PoisonMessage("EmptyMessage", "message is empty")
    try:
        decoded = _ingest_event(value) if value[0] in _MSGPACK_MAP_FIRST else _json_message(value)
        if decoded.event is not None:
            check_event(decoded.event, limits, size=len(value))
    except LimitExceeded as exc:
        raise PoisonMessage(exc.kind, str(exc)) from None
    return decoded


def _json_message(value: bytes) -> Decoded:
    import orjson

    try:
        document = parse_json(value)
    except orjson.JSONDecodeError as exc:
        raise PoisonMessage("InvalidJSON", f"neither JSON nor a msgpack map (JSON error at byte {exc.pos})") from None
    if isinstance(document, list):
        return _events_topic(document)
    if not isinstance(document, dict):
        raise PoisonMessage("SchemaError", f"JSON {type(document).__name__} is not a Sentry event")
    if not (_EVENT_KEYS & document.keys() or ("action" in document and isinstance(document.get("data"), dict))):
        raise PoisonMessage("SchemaError", "JSON object has none of a Sentry event's keys "
                                           "(event_id, exception, request, message, entries)")
    return Decoded("json", document, canonical_event_id(document.get("event_id") or document.get("eventID")))


def _events_topic(document: list) -> Decoded:
    if len(document) < 3 or not isinstance(document[0], int) or not isinstance(document[1], str):
        raise PoisonMessage("SchemaError", "JSON array is not an events-topic message [version, type, payload]")
    if document[1] != "insert":
        return Decoded("ignored", None, note="events-topic control message")
    payload = document[2]
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), dict):
        raise PoisonMessage("SchemaError", "events-topic insert without a data object")
    event = payload["data"]
    event_id = canonical_event_id(event.get("event_id")) or canonical_event_id(payload.get("event_id"))
    return Decoded("events-insert", event, event_id)


def _ingest_event(value: bytes) -> Decoded:
    import msgpack
    import orjson

    try:
        message = msgpack.unpackb(value, raw=False, strict_map_key=False)
    except Exception:  # msgpack raises many types (and some quote the input): one class for all
        raise PoisonMessage("InvalidMsgpack", "not a valid msgpack message") from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise PoisonMessage("SchemaError", "msgpack message without a `type`")
    if message["type"] != "event":
        return Decoded("ignored", None, note="ingest message that is not an event")
    payload = message.get("payload")
    if not isinstance(payload, (bytes, str)):
        raise PoisonMessage("SchemaError", "ingest-events message without `payload` bytes")
    try:
        event = parse_json(payload)
    except orjson.JSONDecodeError as exc:
        raise PoisonMessage("InvalidJSON", f"ingest-events payload is not JSON (error at byte {exc.pos})") from None
    if not isinstance(event, dict):
        raise PoisonMessage("SchemaError", "ingest-events payload is not a JSON object")
    event_id = canonical_event_id(message.get("event_id")) or canonical_event_id(event.get("event_id"))
    return Decoded("ingest-events", event, event_id)


def canonical_event_id(value: Any) -> str | None:
    """A Sentry event id (32 hex digits, dashes allowed) in canonical form, else None."""
    if not isinstance(value, str):
        return None
    value = value.replace("-", "")
    return value.lower() if _EVENT_ID.match(value) else None
