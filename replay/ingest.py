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
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "IngestError", "AuthError", "CorruptError", "TooLargeError", "UnsupportedEncodingError",
    "Limits", "Delivery", "dsn_key", "key_allowed", "decompress", "parse_envelope", "parse_store",
    "normalize_event_id", "safe_item_type",
]

_AUTH_KEY = re.compile(r"(?:^|[\s,])sentry_key\s*=\s*([^,\s]+)")
_ITEM_TYPE = re.compile(r"[a-z][a-z0-9_]{0,39}")
_CHUNK = 64 * 1024


class IngestError(Exception):
    """A delivery was refused; ``status`` is the HTTP status Sentry would answer."""

    status = 400


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
    """How much a delivery may weigh: on the wire, once decompressed, and their ratio."""

    max_body_bytes: int = 1024 * 1024
    max_decompressed_bytes: int = 20 * 1024 * 1024
    max_ratio: float = 100.0


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


def _cap(body: bytes, limits: Limits) -> int:
    return int(min(limits.max_decompressed_bytes, max(len(body), 1) * limits.max_ratio))


def _inflate(body: bytes, inflater: Any, limits: Limits) -> bytes:
    cap = _cap(body, limits)
    out = bytearray()
    data = body
    try:
        while data and not inflater.eof:
            out += inflater.decompress(data, cap + 1 - len(out))
            if len(out) > cap:
                raise TooLargeError(_too_large(cap, limits))
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

    cap = _cap(body, limits)
    decoder = brotli.Decompressor()
    out = bytearray()
    try:
        # Feed small slices so one slice cannot expand far beyond the cap before we check it.
        for start in range(0, len(body), 256):
            out += decoder.process(body[start:start + 256])
            if len(out) > cap:
                raise TooLargeError(_too_large(cap, limits))
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
    """A Sentry event id as 32 lower-case hex digits, or None when ``value`` is not one."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        return uuid.UUID(value).hex
    except ValueError:
        return None


def safe_item_type(value: Any) -> str:
    """An item type fit for a log line: Sentry's names pass, anything else becomes ``other``."""
    return value if isinstance(value, str) and _ITEM_TYPE.fullmatch(value) else "other"


def parse_envelope(body: bytes) -> Delivery:
    """Split an envelope into its events (with checked ids) and the item types it drops."""
    from sentry_sdk.envelope import Envelope

    if not body.strip():
        raise CorruptError("envelope is empty")
    try:
        envelope = Envelope.deserialize(body)
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
        delivery.events.append((_event_id(event, delivery.envelope_event_id), event))
    return delivery


def parse_store(body: bytes) -> Delivery:
    """A legacy ``/store/`` body: one event as a JSON object."""
    import orjson

    try:
        event = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise CorruptError("store body is not valid JSON") from None
    if not isinstance(event, dict):
        raise CorruptError("store body is not a JSON object")
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
