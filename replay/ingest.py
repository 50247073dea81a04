"""Sentry's SDK ingest protocol, server side: DSN keys, compressed bodies, envelopes.

Pure functions over bytes and headers, so `replay serve` (and anything else that receives what
sentry-sdk sends) can check and unpack a delivery without a web framework. Every error says what
was wrong with the delivery in words, never a value from it: messages end up in logs.
"""

from __future__ import annotations

import hmac
import re
import uuid
import zlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from connectors.errors import LimitExceeded
from connectors.limits import DEFAULT_LIMITS, EventLimits, check_event, parse_json

__all__ = [
    "IngestError", "AuthError", "CorruptError", "TooLargeError", "UnsupportedEncodingError",
    "Limits", "Delivery", "dsn_key", "key_allowed", "decompress", "parse_envelope", "parse_store",
    "parse_json_body", "check_limits", "normalize_event_id", "safe_item_type", "EVENT_ID_PATTERN",
]

#: The event ids accepted: 32 hex digits, or a UUID's canonical dashed form (what SDKs send).
EVENT_ID_PATTERN = "^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
_EVENT_ID = re.compile(EVENT_ID_PATTERN)
_AUTH_KEY = re.compile(r"(?:^|[\s,])sentry_key\s*=\s*([^,\s]+)")
_ITEM_TYPE = re.compile(r"[a-z][a-z0-9_]{0,39}")
_CHUNK = 64 * 1024


class IngestError(Exception):
    """A delivery was refused; ``status`` is the HTTP status Sentry would answer.

    ``limit`` names the limit it was over (a field of :class:`Limits`), so refusals are counted
    per limit; None for refusals of other kinds.
    """

    status = 400

    def __init__(self, message: str, limit: str | None = None) -> None:
        super().__init__(message)
        self.limit = limit


class AuthError(IngestError):
    status = 401


class CorruptError(IngestError):
    status = 400


class TooLargeError(IngestError):
    status = 413


class UnsupportedEncodingError(IngestError):
    status = 415


@dataclass(frozen=True, slots=True)
class Limits:
    """How much a delivery may weigh (on the wire, once decompressed, their ratio) and each event in it."""

    max_body_bytes: int = 1024 * 1024
    max_decompressed_bytes: int = 20 * 1024 * 1024
    max_ratio: float = 100.0
    event: EventLimits = DEFAULT_LIMITS

    def values(self) -> dict[str, float]:
        """Every limit by name, the event limits included: what ``/health`` reports."""
        flat = asdict(self)
        return {**flat.pop("event"), **flat}


@dataclass(slots=True)
class Delivery:
    """What one envelope or store request carried: its events and the item types dropped."""

    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (event id, raw event)
    dropped: list[str] = field(default_factory=list)  # item types, safe to log
    envelope_event_id: str | None = None


def dsn_key(headers: Any, query: Any) -> str | None:
    """The DSN public key from ``X-Sentry-Auth`` (or ``Authorization: Sentry ...``) or ``?sentry_key=``."""
    for name in ("x-sentry-auth", "authorization"):
        value = headers.get(name)
        if value:
            match = _AUTH_KEY.search(value)
            if match:
                return match.group(1)
    return query.get("sentry_key") or None


def key_allowed(given: str | None, keys: Iterable[str]) -> bool:
    """Constant-time check of ``given`` against every configured key (no early exit)."""
    if not given:
        return False
    probe = given.encode("utf-8", "replace")
    ok = False
    for key in keys:
        ok |= hmac.compare_digest(probe, key.encode("utf-8"))
    return ok


def decompress(body: bytes, encoding: str | None, limits: Limits) -> bytes:
    """Undo ``Content-Encoding`` (gzip, deflate, br) within ``limits``."""
    coding = (encoding or "identity").strip().lower()
    if coding in ("", "identity"):
        return body
    if coding in ("gzip", "x-gzip"):
        return _inflate(body, zlib.decompressobj(16 + zlib.MAX_WBITS), limits)
    if coding == "deflate":
        # RFC 9110 says zlib-wrapped; some clients send raw deflate. The first byte tells them apart.
        wbits = zlib.MAX_WBITS if body[:1] and (body[0] & 0x0F) == 8 and len(body) > 1 \
            and ((body[0] << 8) | body[1]) % 31 == 0 else -zlib.MAX_WBITS
        return _inflate(body, zlib.decompressobj(wbits), limits)
    if coding == "br":
        return _unbrotli(body, limits)
    raise UnsupportedEncodingError(f"unsupported Content-Encoding {coding[:20]!r} (gzip, deflate or identity)")


def _cap(body: bytes, limits: Limits) -> tuple[int, str]:
    """The decompressed size allowed for ``body``, and the name of the limit that sets it."""
    by_ratio = int(max(len(body), 1) * limits.max_ratio)
    if by_ratio < limits.max_decompressed_bytes:
        return by_ratio, "max_ratio"
    return limits.max_decompressed_bytes, "max_decompressed_bytes"


def _inflate(body: bytes, inflater: Any, limits: Limits) -> bytes:
    cap, limit = _cap(body, limits)
    out = bytearray()
    data = body
    try:
        while data and not inflater.eof:
            out += inflater.decompress(data, cap + 1 - len(out))
            if len(out) > cap:
                raise TooLargeError(_too_large(cap, limits), limit)
            data = inflater.unconsumed_tail
    except zlib.error:
        raise CorruptError("body is not valid compressed data for its Content-Encoding") from None
    if not inflater.eof:
        raise CorruptError("compressed body is truncated")
    if inflater.unused_data:
        raise CorruptError("compressed body has trailing bytes after its end")
    return bytes(out)


def _unbrotli(body: bytes, limits: Limits) -> bytes:
    import brotli  # type: ignore[import-not-found]

    cap, limit = _cap(body, limits)
    decoder = brotli.Decompressor()
    out = bytearray()
    try:
        # Feed small slices so one slice cannot expand far beyond the cap before we check it.
        for start in range(0, len(body), 256):
            out += decoder.process(body[start:start + 256])
            if len(out) > cap:
                raise TooLargeError(_too_large(cap, limits), limit)
        finished = decoder.is_finished()
    except brotli.error:
        raise CorruptError("body is not valid brotli data") from None
    if not finished:
        raise CorruptError("compressed body is truncated")
    return bytes(out)


def _too_large(cap: int, limits: Limits) -> str:
    return (f"decompressed body exceeds {cap} bytes (limits: {limits.max_decompressed_bytes} bytes, "
            f"ratio {limits.max_ratio:g})")


def normalize_event_id(value: Any) -> str | None:
    """A Sentry event id as 32 lower-case hex digits, or None when ``value`` is not one.

    Only the two forms of :data:`EVENT_ID_PATTERN`: ``uuid.UUID`` also takes braces, ``urn:uuid:``
    and stray dashes, which no SDK sends and the OpenAPI description does not promise.
    """
    if not isinstance(value, str) or not _EVENT_ID.fullmatch(value):
        return None
    return value.replace("-", "").lower()


def safe_item_type(value: Any) -> str:
    """An item type fit for a log line: Sentry's names pass, anything else becomes ``other``."""
    return value if isinstance(value, str) and _ITEM_TYPE.fullmatch(value) else "other"


def check_limits(event: Any, limits: EventLimits, size: int | None = None) -> None:
    """:func:`connectors.limits.check_event` answering as ingest does: 413 too large, 400 too deep."""
    try:
        check_event(event, limits, size=size)
    except LimitExceeded as exc:
        raise _refusal(exc) from None


def parse_json_body(body: bytes, what: str) -> Any:
    """Parse a JSON body (``what`` names it in errors), its nesting refused clearly past the parser's depth."""
    import orjson

    try:
        return parse_json(body)
    except orjson.JSONDecodeError:
        raise CorruptError(f"{what} is not valid JSON") from None
    except LimitExceeded as exc:
        raise _refusal(exc) from None


def _refusal(exc: LimitExceeded) -> IngestError:
    kind = TooLargeError if exc.limit == "max_event_bytes" else CorruptError
    return kind(str(exc), exc.limit)


def parse_envelope(body: bytes, limits: EventLimits = DEFAULT_LIMITS) -> Delivery:
    """Split an envelope into its events (with checked ids and limits) and the item types it drops."""
    from sentry_sdk.envelope import Envelope

    if not body.strip():
        raise CorruptError("envelope is empty")
    try:
        envelope = Envelope.deserialize(body)
    except RecursionError:  # the SDK's json.loads on an item nested about a thousand levels deep
        raise CorruptError("an envelope item is nested too deep for the JSON parser (max_depth)", "max_depth") from None
    except Exception:  # the SDK raises whatever its JSON parser or file reads raise
        raise CorruptError("envelope is corrupt (headers or an item do not parse)") from None
    if not isinstance(envelope.headers, dict):
        raise CorruptError("envelope header is not a JSON object")
    header_id = envelope.headers.get("event_id")
    delivery = Delivery(envelope_event_id=normalize_event_id(header_id))
    if header_id is not None and delivery.envelope_event_id is None:
        raise CorruptError("envelope header event_id is not a UUID")
    for item in envelope.items:
        if not isinstance(item.headers, dict):
            raise CorruptError("envelope item header is not a JSON object")
        kind = item.headers.get("type")
        if kind != "event":
            delivery.dropped.append(safe_item_type(kind))
            continue
        event = item.payload.json
        if not isinstance(event, dict):
            raise CorruptError("event item is not a JSON object")
        check_limits(event, limits)  # the SDK keeps no item bytes: size is the event serialized
        delivery.events.append((_event_id(event, delivery.envelope_event_id), event))
    return delivery


def parse_store(body: bytes, limits: EventLimits = DEFAULT_LIMITS) -> Delivery:
    """A legacy ``/store/`` body: one event as a JSON object."""
    event = parse_json_body(body, "store body")
    if not isinstance(event, dict):
        raise CorruptError("store body is not a JSON object")
    check_limits(event, limits, size=len(body))
    return Delivery(events=[(_event_id(event, None), event)])


def _event_id(event: dict[str, Any], fallback: str | None) -> str:
    raw = event.get("event_id")
    if raw is None:
        event_id = fallback or uuid.uuid4().hex
    else:
        event_id = normalize_event_id(raw)
        if event_id is None:
            raise CorruptError("event_id is not a UUID")
    event["event_id"] = event_id
    return event_id
