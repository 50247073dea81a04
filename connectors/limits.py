"""How big and how deep one event may be, checked wherever events enter.

Every stage after a connector (normalize, sanitize, leak gate, JSON output) walks the whole event,
some of them recursively, so an oversized or deeply nested event is refused at the door rather
than exhausting memory or the stack later. The defaults follow Sentry: Relay refuses events over
1 MiB, and SDKs trim data far shallower than 100 levels. Errors name the limit, never a value.

An event's size is the bytes it arrived in when the connector knows them (a JSONL line, a request
body), else its compact JSON serialization.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import orjson

from connectors.errors import LimitExceeded

__all__ = ["DEFAULT_LIMITS", "MAX_DEPTH_CEILING", "PARSER_MAX_DEPTH", "EventLimits", "check_event", "check_size", "parse_json"]

#: orjson parses at most this many nested levels and gives only a generic error beyond them.
PARSER_MAX_DEPTH = 1024
#: orjson serializes at most 254 nested levels: a deeper event could be read but never written out.
MAX_DEPTH_CEILING = 254
_CONTAINERS = (dict, list, tuple)


@dataclass(frozen=True, slots=True)
class EventLimits:
    """Per-event limits; ``max_depth`` counts nested objects and arrays (``{}`` is 1)."""

    max_event_bytes: int = 1024 * 1024
    max_depth: int = 100

    def __post_init__(self) -> None:
        if self.max_event_bytes < 1:
            raise ValueError("max_event_bytes must be at least 1")
        if not 1 <= self.max_depth <= MAX_DEPTH_CEILING:
            raise ValueError(f"max_depth must be between 1 and {MAX_DEPTH_CEILING}")


DEFAULT_LIMITS = EventLimits()


def check_size(size: int, limits: EventLimits = DEFAULT_LIMITS) -> None:
    """Refuse an event of ``size`` bytes; callers check raw bytes before parsing them."""
    if size > limits.max_event_bytes:
        raise LimitExceeded("max_event_bytes",
                            f"event is larger than the limit of {limits.max_event_bytes} bytes (max_event_bytes)")


def check_event(event: Any, limits: EventLimits = DEFAULT_LIMITS, *, size: int | None = None,
                raw: bytes | None = None) -> None:
    """Refuse a parsed event nested deeper than, or larger than, ``limits``.

    Depth is checked first and without recursion, so the size measurement (a serialization when
    ``size`` is not given) never meets an event too deep to serialize. Given the ``raw`` JSON it
    was parsed from, the walk is skipped when the text has too few brackets to nest that deep.
    """
    shallow = raw is not None and raw.count(b"{") + raw.count(b"[") <= limits.max_depth
    if not shallow and _deeper_than(event, limits.max_depth):
        raise LimitExceeded("max_depth", f"event is nested deeper than the limit of {limits.max_depth} levels "
                                         "(max_depth)")
    check_size(size if size is not None else _serialized_size(event), limits)


def parse_json(data: bytes | str) -> Any:
    """``orjson.loads``, with its depth refusal turned into a :class:`LimitExceeded` that says so."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if exc.msg == "depth limit exceeded":
            raise LimitExceeded("max_depth", f"JSON is nested deeper than {PARSER_MAX_DEPTH} levels, the JSON "
                                             "parser's own limit (max_depth)") from None
        raise


def _deeper_than(value: Any, max_depth: int) -> bool:
    stack = [(value, 1)] if isinstance(value, _CONTAINERS) else []
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            return True
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, _CONTAINERS))
    return False


def _serialized_size(event: Any) -> int:
    # default=str: values from msgpack or Parquet (bytes, datetimes) are measured as their text.
    try:
        return len(orjson.dumps(event, default=str, option=orjson.OPT_NON_STR_KEYS))
    except TypeError:  # integers beyond 64 bits, which orjson cannot write but json.loads reads
        text = json.dumps(event, default=str, skipkeys=True, ensure_ascii=False, separators=(",", ":"))
        return len(text.encode("utf-8", "surrogatepass"))
