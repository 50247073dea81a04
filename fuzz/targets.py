"""The fuzz targets: each takes bytes and either returns or raises the errors its parser promises.

Anything else (another exception, a crash, a hang, an oracle that fails) is a bug. Targets are
plain functions over bytes, so they run under atheris (``python -m fuzz``) and in tests alike.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from dataclasses import dataclass

import orjson

from connectors import InputError, normalize_event
from connectors.limits import parse_json
from replay import ingest
from replay.errors import RequestError
from replay.messages import PoisonMessage, decode_message
from replay.request import rebuild_request
from sanitizers.encodings import parse_query, split_url
from sanitizers.fakes import FakeFactory

__all__ = ["TARGETS", "Target"]

_LIMITS = ingest.Limits(max_body_bytes=64 * 1024, max_decompressed_bytes=256 * 1024, max_ratio=50)
_ENCODINGS = ("gzip", "deflate", "br", "identity")
_FAKES = FakeFactory(b"fuzz-key")


@dataclass(frozen=True)
class Target:
    """A parser under fuzz, the errors it may raise, and seed inputs that reach its deeper paths."""

    run: Callable[[bytes], object]
    expected: tuple[type[BaseException], ...]
    seeds: tuple[bytes, ...] = ()


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def _delivery(data: bytes) -> object:
    """A compressed envelope: the first byte picks the Content-Encoding."""
    coding = _ENCODINGS[data[0] % len(_ENCODINGS)] if data else "identity"
    return ingest.parse_envelope(ingest.decompress(data[1:], coding, _LIMITS), _LIMITS.event)


def _event(data: bytes) -> object:
    return normalize_event(parse_json(data))


def _query(data: bytes) -> None:
    """A parsed query string rebuilt with its own values is the same text (the sanitizer relies on it)."""
    text = _text(data)
    query = parse_query(text)
    if query is not None:
        assert query.rebuild([value for _, value in query.pairs()]) == text, "query rebuilt differently"


def _url(data: bytes) -> None:
    text = _text(data)
    parts = split_url(text)
    if parts is not None and "?" not in text and "#" not in text:
        assert "".join(parts) == text, "URL split loses characters"


def _request(data: bytes) -> object:
    """A request with fuzzed cookies, query and a form or multipart body, rebuilt for sending."""
    text = _text(data)
    kind, _, rest = text.partition("\n")
    content_type = ("multipart/form-data; boundary=" + kind[:40]) if kind.startswith("m") else \
        "application/x-www-form-urlencoded"
    fields = dict(pair.partition("=")[::2] for pair in rest.split("&"))
    return rebuild_request({"request": {"method": "POST", "url": "https://shop.example.com/p?" + rest,
                                        "cookies": rest, "query_string": rest, "data": fields,
                                        "headers": [["Content-Type", content_type]]}})


def _credentials(data: bytes) -> None:
    """JWTs, Authorization headers and cookie strings faked: a fake never fails, whatever the value."""
    text = _text(data)
    for entity in ("JWT", "AUTHORIZATION", "COOKIE"):
        _FAKES.fake(entity, text)


def _seed_event() -> bytes:
    return json.dumps({"event_id": "a" * 32, "exception": {"values": [{"type": "ValueError"}]},
                       "request": {"url": "https://x.example/p?q=1", "method": "POST"}}).encode()


def _seed_envelope() -> bytes:
    event = _seed_event()
    return b'{"event_id": "' + b"a" * 32 + b'"}\n{"type": "event", "length": ' + str(len(event)).encode() + \
        b"}\n" + event + b"\n"


TARGETS: dict[str, Target] = {
    "envelope": Target(ingest.parse_envelope, (ingest.IngestError,), (_seed_envelope(),)),
    "delivery": Target(_delivery, (ingest.IngestError,), (b"\x00" + gzip.compress(_seed_envelope()),)),
    "store": Target(ingest.parse_store, (ingest.IngestError,), (_seed_event(),)),
    "event": Target(_event, (InputError, orjson.JSONDecodeError), (_seed_event(),)),
    "kafka": Target(decode_message, (PoisonMessage,), (_seed_event(), b'[2, "insert", {"data": {}}]')),
    "query": Target(_query, (), (b"a=1&b=x%40y.com&c=d+e",)),
    "url": Target(_url, (), (b"https://u:p@h.example:8080/a/b?c=d#f",)),
    "request": Target(_request, (RequestError,), (b"mXYZ\na=1&b=2", b"f\nname=Jane&x=")),
    "credentials": Target(_credentials, (), (b"eyJhbGciOiJIUzI1NiJ9.eyJlbWFpbCI6ImFAYi5jIn0.c2ln",
                                              b"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.x", b"a=1; b=2")),
}
