"""Read events from a JSON file, a JSONL file, standard input, a HAR capture or an access log.

A file is read as JSONL when its name ends in ``.jsonl``/``.ndjson``, when its first non-blank
line is a complete JSON value other than an array that is the whole input, or when that line is
broken but the next one is an event; otherwise the whole input is one JSON document (an event,
or an array of events, on one line as ``curl`` saves Sentry's events API or on many). JSONL is
streamed, so memory stays flat with input size.
Malformed items, and items over the event limits (:mod:`connectors.limits`), are yielded as
errors in place, so one bad line never hides the others.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from connectors.errors import ConnectorError, InputError, LimitExceeded
from connectors.http_records import har_events, table_events
from connectors.limits import DEFAULT_LIMITS, EventLimits, check_event, check_size, parse_json
from connectors.schema import normalize_event

__all__ = ["SourceItem", "parse_line", "read_documents", "read_events"]

# JSONL is read a line at a time: with the default 8 KB buffer, events of a few KB cost a system
# call every other line (read_documents: 9.3 us a line, against 2.7 us with this).
_READ_BUFFER = 1 << 16


@dataclass(slots=True)
class SourceItem:
    """One input item: its place in the source, and either a document or an error message."""

    ref: str
    form: str  # "json", "json-array" or "jsonl": how the source held it, to write it back alike
    document: Any = None
    error: str | None = None
    limit: str | None = None  # the limit that refused the item (``max_depth``, ...), to count refusals
    raw: bytes | None = None  # a JSONL line left to parse (``read_documents(defer=True)``): see parse_line


def read_documents(source: str, limits: EventLimits = DEFAULT_LIMITS, *, defer: bool = False) -> Iterator[SourceItem]:
    """Yield the raw JSON documents of ``source`` (a path, or ``-`` for stdin), in order.

    ``defer`` leaves each JSONL line within the size limit unparsed, in ``raw``, for
    :func:`parse_line` to read where the document is wanted: a bulk command's worker processes
    then parse in parallel, and the reading process only splits lines."""
    name = "stdin" if source == "-" else source
    if source == "-":
        with _stdin() as handle:
            yield from _read_stream(handle, name, limits, jsonl_by_name=False, defer=defer)
        return
    path = Path(source)
    if path.is_dir():
        raise ConnectorError(f"{name}: is a folder, not a file of events")
    if not path.exists():  # a pipe (a shell's <(...)) or a device is read like a file
        raise ConnectorError(f"{name}: no such file")
    if path.suffix.lower() in (".csv", ".parquet"):
        yield from _within(_table(str(path), name), limits)
        return
    try:
        handle = path.open("rb", buffering=_READ_BUFFER)
    except OSError as exc:
        raise ConnectorError(f"{name}: cannot be read ({exc.strerror})") from None
    with handle:
        yield from _read_stream(handle, name, limits, jsonl_by_name=path.suffix in (".jsonl", ".ndjson"), defer=defer)


def _stdin() -> contextlib.AbstractContextManager[IO[bytes]]:
    """Standard input, read through a buffer of its own on its file descriptor (left open when
    done); where it has no descriptor (a test runner's stdin), ``sys.stdin.buffer`` itself. For a
    command that has read nothing from stdin before: what ``sys.stdin`` buffered would be skipped."""
    if sys.stdin is None:
        raise ConnectorError("stdin: not open (give a file instead of -)")
    try:
        fd = sys.stdin.buffer.fileno()
    except (OSError, ValueError):  # io.UnsupportedOperation is both
        return contextlib.nullcontext(sys.stdin.buffer)
    return open(fd, "rb", buffering=_READ_BUFFER, closefd=False)


def read_events(source: str, limits: EventLimits = DEFAULT_LIMITS) -> Iterator[SourceItem]:
    """Like :func:`read_documents`, with each document normalized to the stored-event schema."""
    for item in read_documents(source, limits):
        if item.error is None:
            try:
                item.document = normalize_event(item.document, limits)
            except InputError as exc:
                item.document, item.error = None, str(exc)
        yield item


def _within(items: Iterable[SourceItem], limits: EventLimits) -> Iterator[SourceItem]:
    """Turn each parsed document over ``limits`` into an error item naming the limit."""
    for item in items:
        if item.error is None:
            try:
                check_event(item.document, limits)
            except LimitExceeded as exc:
                item = _refused(item.ref, item.form, exc)
        yield item


def _refused(ref: str, form: str, exc: LimitExceeded) -> SourceItem:
    return SourceItem(ref, form, error=str(exc), limit=exc.limit)


def _read_stream(handle: IO[bytes], name: str, limits: EventLimits, *, jsonl_by_name: bool,
                 defer: bool) -> Iterator[SourceItem]:
    first, lineno = b"", 0
    for raw in handle:
        lineno += 1
        if raw.strip():
            first = raw
            break
    if not first:
        raise ConnectorError(f"{name}: empty input, expected a JSON event or JSONL events")
    if name.lower().endswith(".har"):
        yield from _within(_har(first + handle.read(), name), limits)
        return
    kind = None if jsonl_by_name else _json_kind(first)
    if kind == "array":
        rest = handle.read()
        if not rest.strip():  # an array of events on one line is one document
            yield from _within(_document(first, name), limits)
            return
        handle = io.BytesIO(rest)
    if jsonl_by_name or kind is not None:
        yield from _jsonl(first, lineno, handle, name, limits, defer)
        return
    following = []  # the first line is no JSON value: a document over many lines, or JSONL whose first line is broken
    for raw in handle:
        following.append(raw)
        if raw.strip():
            break
    if len(first.strip()) > 1 and following and _json_kind(following[-1]) == "object":
        yield from _jsonl(first, lineno, itertools.chain(following, handle), name, limits, defer)
        return
    yield from _within(_document(first + b"".join(following) + handle.read(), name), limits)


def _document(text: bytes, name: str) -> Iterator[SourceItem]:
    """One JSON document: an event, or an array of events (limits apply to each element)."""
    doc, failed = _parse_whole(text, name, "json")
    if failed is not None:
        yield failed
        return
    if doc == []:  # as an empty file is: nothing was asked for, which is rarely what was meant
        raise ConnectorError(f"{name}: an empty JSON array, expected events in it")
    if isinstance(doc, list):
        for index, element in enumerate(doc):
            yield SourceItem(f"{name}[{index}]", "json-array", document=element)
    else:
        yield SourceItem(name, "json", document=doc)


def _parse_whole(text: bytes, name: str, form: str) -> tuple[Any, SourceItem | None]:
    """(document, None), or (None, the item reporting why the whole input is unusable)."""
    try:
        return parse_json(text), None
    except orjson.JSONDecodeError as exc:
        return None, SourceItem(name, form, error=f"not valid JSON ({_where(exc)})")
    except LimitExceeded as exc:
        return None, _refused(name, form, exc)


def _har(text: bytes, name: str) -> Iterator[SourceItem]:
    """Each failed entry of a HAR capture, as an event (HAR is one JSON document)."""
    doc, failed = _parse_whole(text, name, "jsonl")
    if failed is not None:
        yield failed
        return
    try:
        for index, event in enumerate(har_events(doc)):
            yield SourceItem(f"{name}#entry{index}", "jsonl", document=event)
    except InputError as exc:
        yield SourceItem(name, "jsonl", error=str(exc))


def _table(path: str, name: str) -> Iterator[SourceItem]:
    try:
        for row, event, error in table_events(path):
            yield SourceItem(f"{name}:{row}", "jsonl", document=event, error=error)
    except InputError as exc:
        yield SourceItem(name, "jsonl", error=str(exc))


def _jsonl(first: bytes, first_lineno: int, rest: Iterable[bytes], name: str, limits: EventLimits,
           defer: bool) -> Iterator[SourceItem]:
    yield parse_line(first, limits, f"{name}:{first_lineno}", defer=defer)
    for lineno, raw in enumerate(rest, start=first_lineno + 1):
        if raw.strip():
            yield parse_line(raw, limits, f"{name}:{lineno}", defer=defer)


def parse_line(raw: bytes, limits: EventLimits = DEFAULT_LIMITS, ref: str = "", *, defer: bool = False) -> SourceItem:
    """One JSONL line as an item: its document, or why it has none. Its size is checked before
    parsing, so a huge line is never parsed; ``defer`` stops there, leaving the line in ``raw``."""
    try:
        check_size(len(raw), limits)
        if defer:
            return SourceItem(ref, "jsonl", raw=raw)
        document = parse_json(raw)
        check_event(document, limits, size=len(raw), raw=raw)
    except orjson.JSONDecodeError as exc:
        return SourceItem(ref, "jsonl", error=f"not valid JSON ({_where(exc)})")
    except LimitExceeded as exc:
        return _refused(ref, "jsonl", exc)
    return SourceItem(ref, "jsonl", document=document)


def _json_kind(raw: bytes) -> str | None:
    """"object", "array" or "value" when ``raw`` is one complete JSON value, else None."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    return "object" if isinstance(value, dict) else "array" if isinstance(value, list) else "value"


def _where(exc: orjson.JSONDecodeError) -> str:
    """Position of a JSON error without the offending text (which may be personal data)."""
    return f"line {exc.lineno}, column {exc.colno}"
