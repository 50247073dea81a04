"""What ``replay sanitize`` does with each item, where a sanitizer is (a worker process, with
``--workers``), and how it writes the results back: a module of its own, imported when the
command runs, so its imports stay out of ``replay --help`` and out of the per-event work."""

from __future__ import annotations

from typing import IO, Any, NamedTuple

import orjson

from connectors import parse_line
from replay.audit import json_digest
from replay.ingest import normalize_event_id

__all__ = ["Sanitized", "Writer", "sanitize_item"]


class Writer:
    """Writes documents back in the form they came in (object, array element or JSONL line)."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out, self.array_open = out, False

    def write(self, document: bytes, form: str) -> None:
        """``document`` as compact JSON (a JSONL line as it is; the other forms indented)."""
        if form == "jsonl":
            self.out.write(document + b"\n")
            return
        indented = orjson.dumps(orjson.loads(document), option=orjson.OPT_INDENT_2)
        if form == "json-array":
            self.out.write(b",\n" if self.array_open else b"[\n")
            self.array_open = True
            self.out.write(indented)
        else:
            self.out.write(indented + b"\n")

    def close(self) -> None:
        if self.array_open:
            self.out.write(b"\n]\n")


def _json_kind(value: Any) -> str:
    return {type(None): "null", bool: "true or false", list: "an array", str: "a string"}.get(type(value), "a number")


class Sanitized(NamedTuple):
    """What the sanitize command keeps of an item, made where it is sanitized (a worker, with
    --workers): why it could not be (a JSONL line that is no event), or the event as compact JSON
    and its audit digest and id, the counts and leaks it reports."""

    error: str | None = None
    limit: str | None = None  # the event limit that refused the item
    blocked: bool = False
    leaks: list[dict] | None = None
    changes: int = 0
    digest: str | None = None
    event_id: str | None = None
    json: bytes | None = None
    report: dict | None = None  # the --report entry, but for its source


def sanitize_item(sanitizer, item: Any, *, limits, report: bool) -> Sanitized:
    """One item of the sanitize command: a JSONL line (bytes) is parsed and checked against the
    limits here, in the worker, then the event is sanitized."""
    if isinstance(item, bytes):
        line = parse_line(item, limits)
        if line.error is not None:
            return Sanitized(line.error, line.limit)
        item = line.document
    if not isinstance(item, dict):  # null, 3, "text", [...]: no event
        return Sanitized(f"expected a JSON object (an event), got {_json_kind(item)}")
    result = sanitizer.sanitize(item)
    entry = None
    if report:
        entry = {"blocked": result.blocked, "leaks": result.leaks, "already_filtered": result.filtered,
                 "changes": [{"path": c.path, "rule": c.rule, "entity": c.entity, "action": c.action,
                              "length": c.length} for c in result.changes]}
    json = None if result.event is None else orjson.dumps(result.event)
    return Sanitized(None, None, result.blocked, result.leaks, len(result.changes),
                     None if json is None else json_digest(json), normalize_event_id(item.get("event_id")), json, entry)
