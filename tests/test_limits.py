"""Event limits (size, nesting depth) and ingest limits (body, decompression): every door refuses
what is over them with an error naming the limit, never a value, and every refusal is counted."""

from __future__ import annotations

import gzip
import json
import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors import InputError, normalize_event, read_documents
from connectors.errors import LimitExceeded
from connectors.limits import EventLimits, check_event, parse_json
from replay import ingest
from replay.messages import PoisonMessage, decode_message
from tests.test_serve import AUTH, envelope, make_event, post, signed

MARKER = "zq-canary-limits-9931"
SMALL = EventLimits(max_event_bytes=2000, max_depth=10)
Server = tuple[str, Any]


def nested(depth: int) -> Any:
    """A value ``depth`` containers deep with the marker at the bottom."""
    value: Any = MARKER
    for _ in range(depth):
        value = {"k": value}
    return value


def deep_event(depth: int) -> dict[str, Any]:
    return make_event(extra={"payload": nested(depth)})


def deep_json(depth: int) -> bytes:
    """An event nested ``depth`` levels deep, as JSON text (json.dumps cannot write it)."""
    return b'{"exception": ' + b'{"k": ' * depth + json.dumps(MARKER).encode() + b"}" * (depth + 1)


def big_event(size: int) -> dict[str, Any]:
    return make_event(extra={"padding": MARKER + "x" * size})


def health_limits(url: str) -> dict[str, dict[str, float]]:
    return httpx.get(url + "/health").json()["limits"]


@pytest.mark.parametrize(("event", "limit"), [(nested(11), "max_depth"), ({"a": "x" * 2000}, "max_event_bytes")])
def test_an_event_over_a_limit_is_refused_naming_the_limit_not_the_value(event: Any, limit: str) -> None:
    with pytest.raises(LimitExceeded) as caught:
        check_event(event, SMALL)
    assert caught.value.limit == limit and limit in str(caught.value)
    assert MARKER not in str(caught.value) and "x" * 10 not in str(caught.value)


def test_an_event_at_the_limits_passes() -> None:
    check_event(nested(10), SMALL)  # ten objects around a string: depth 10
    check_event({"a": "x" * 1900}, SMALL)


def test_json_deeper_than_the_parser_allows_gets_a_clear_error() -> None:
    with pytest.raises(LimitExceeded, match="JSON parser's own limit") as caught:
        parse_json(deep_json(1500))
    assert caught.value.limit == "max_depth"


def test_limits_are_validated() -> None:
    with pytest.raises(ValueError, match="max_depth"):
        EventLimits(max_depth=1000)  # orjson could not write such an event back out
    with pytest.raises(ValueError, match="max_event_bytes"):
        EventLimits(max_event_bytes=0)


def test_normalize_event_refuses_an_event_over_the_limits() -> None:
    with pytest.raises(InputError, match="max_depth"):
        normalize_event(deep_event(200))
    assert normalize_event(deep_event(20))["event_id"]


def test_jsonl_lines_over_a_limit_are_error_items_and_the_rest_still_read(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    docs = [{"event_id": "a" * 32}, nested(12), {"padding": "x" * 12_000}, {"event_id": "b" * 32}]
    lines = [json.dumps(d).encode() for d in docs]
    path.write_bytes(b"\n".join([*lines[:3], deep_json(1100), lines[3]]) + b"\n")
    items = list(read_documents(str(path), EventLimits(max_event_bytes=10_000, max_depth=10)))
    assert [item.limit for item in items] == [None, "max_depth", "max_event_bytes", "max_depth", None]
    assert items[0].document and items[4].document
    assert not any(MARKER in (item.error or "") for item in items)


def test_each_element_of_a_json_array_is_checked_alone(tmp_path: Path) -> None:
    path = tmp_path / "events.json"
    path.write_text(json.dumps([{"a": "x" * 1500}, {"a": "x" * 1500}, nested(12)], indent=1))
    assert [item.limit for item in read_documents(str(path), SMALL)] == [None, None, "max_depth"]


@pytest.mark.parametrize(("message", "kind"), [
    (json.dumps(deep_event(150)).encode(), "EventTooDeep"),
    (deep_json(1100), "EventTooDeep"),
    (json.dumps([2, "insert", {"data": big_event(5000)}]).encode(), "EventTooLarge"),
])
def test_kafka_messages_over_a_limit_are_poison_naming_the_limit(message: bytes, kind: str) -> None:
    with pytest.raises(PoisonMessage) as caught:
        decode_message(message, limits=EventLimits(max_event_bytes=4000))
    assert caught.value.kind == kind and MARKER not in str(caught.value)


def test_an_envelope_nested_past_the_sdk_parser_is_refused_cleanly() -> None:
    body = b'{}\n{"type": "event"}\n' + b'{"a":' * 5000 + b"1" + b"}" * 5000 + b"\n"
    with pytest.raises(ingest.CorruptError) as caught:
        ingest.parse_envelope(body)
    assert caught.value.limit == "max_depth"


def test_serve_refuses_events_over_its_limits_and_counts_each(start_server: Callable[..., Server]) -> None:
    url, service = start_server(worker=False, event_limits=EventLimits(max_event_bytes=4000, max_depth=20))
    assert post(url, envelope(deep_event(30))).status_code == 400
    assert post(url, envelope(big_event(5000))).status_code == 413
    store = post(url, deep_json(1100), path="/api/1/store/")
    assert store.status_code == 400 and "JSON parser's own limit" in store.json()["detail"]
    assert post(url, envelope()).status_code == 200
    limits = health_limits(url)
    assert limits["max_depth"] == {"limit": 20, "rejected": 2}
    assert limits["max_event_bytes"] == {"limit": 4000, "rejected": 1}
    assert service.queue.qsize() == 1


def test_serve_webhooks_are_held_to_the_event_limits(start_server: Callable[..., Server]) -> None:
    url, _ = start_server(worker=False, event_limits=EventLimits(max_depth=20))
    body = json.dumps({"action": "triggered", "data": {"event": deep_event(30)}}).encode()
    response = post(url, body, headers=signed(body), path="/webhooks/sentry")
    assert response.status_code == 400 and "max_depth" in response.json()["detail"]
    assert health_limits(url)["max_depth"]["rejected"] == 1


def test_serve_counts_body_and_decompression_refusals_per_limit(start_server: Callable[..., Server]) -> None:
    url, _ = start_server(worker=False, max_body_bytes=4096, max_decompressed_bytes=8192, max_ratio=20)
    assert post(url, envelope(big_event(8000))).status_code == 413
    bomb = gzip.compress(b"{}\n" + b" " * 200_000)  # a few hundred bytes: the ratio's cap is the lower
    assert len(bomb) * 20 < 8192
    assert post(url, bomb, headers={**AUTH, "Content-Encoding": "gzip"}).status_code == 413
    wide = gzip.compress(random.Random(0).randbytes(600) + b" " * 20_000)  # the size cap is the lower
    assert len(wide) * 20 > 8192
    assert post(url, wide, headers={**AUTH, "Content-Encoding": "gzip"}).status_code == 413
    body = json.dumps({"action": "triggered", "data": {"event": big_event(5000)}}).encode()
    assert post(url, body, headers=signed(body), path="/webhooks/sentry").status_code == 413
    counts = {name: entry["rejected"] for name, entry in health_limits(url).items()}
    assert counts == {"max_body_bytes": 2, "max_ratio": 1, "max_decompressed_bytes": 1,
                      "max_event_bytes": 0, "max_depth": 0}


def test_sanitize_leaves_out_events_over_the_limits_and_counts_them(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    docs = [make_event(), deep_event(12), big_event(25_000)]
    events.write_bytes(b"".join(json.dumps(d).encode() + b"\n" for d in docs) + deep_json(1100) + b"\n")
    report = tmp_path / "report.json"
    done = subprocess.run([sys.executable, "-m", "replay.cli", "sanitize", str(events), "--report", str(report),
                           "--max-depth", "10", "--max-event-bytes", "20000"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert len(done.stdout.splitlines()) == 1
    assert "events.jsonl:2: event is nested deeper than the limit of 10 levels (max_depth)" in done.stderr
    assert MARKER not in done.stdout + done.stderr
    assert json.loads(report.read_text())["rejected_by_limit"] == {"max_depth": 2, "max_event_bytes": 1}
