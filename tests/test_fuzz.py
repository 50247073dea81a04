"""Hostile input, fuzzed: parsers either succeed or raise their own clear error, which never
echoes the input (a planted marker must not appear in any message)."""

from __future__ import annotations

import json
import os

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from connectors import InputError, normalize_event
from replay import ingest
from replay.errors import RequestError
from replay.messages import PoisonMessage, decode_message
from replay.request import rebuild_request
from sanitizers import PolicyError, Sanitizer
from sanitizers.policy import parse_policy

MARKER = "zq-canary-4471"
# CI runs a fixed, derandomized sample (no flaky gate); FUZZ_EXAMPLES=5000 explores at random by hand.
FAST = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "150")), deadline=None,
                derandomize="FUZZ_EXAMPLES" not in os.environ, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
    | st.just(MARKER),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=25)
request_like = st.fixed_dictionaries({}, optional={
    "url": st.one_of(st.text(max_size=40), st.just(f"https://shop.example.com/{MARKER}?q={MARKER}")),
    "method": st.one_of(st.none(), st.text(max_size=8)),
    "headers": st.one_of(json_values, st.lists(st.lists(st.text(max_size=10), min_size=2, max_size=2), max_size=4)),
    "cookies": json_values, "query_string": json_values, "data": json_values,
    "inferred_content_type": st.text(max_size=20)})


def no_marker(exc: Exception) -> None:
    assert MARKER not in str(exc), f"{type(exc).__name__} echoed its input"


@FAST
@given(json_values)
def test_normalize_event_accepts_or_names_the_problem(doc) -> None:
    try:
        assert isinstance(normalize_event(doc), dict)
    except InputError as exc:
        no_marker(exc)


@FAST
@given(request_like)
def test_rebuild_request_accepts_or_names_the_problem(request) -> None:
    try:
        rebuild_request({"request": request})
    except RequestError as exc:
        no_marker(exc)


@FAST
@given(st.binary(max_size=400) | st.builds(lambda b: b + MARKER.encode(), st.binary(max_size=100)))
def test_envelope_parsing_never_crashes_on_bytes(body: bytes) -> None:
    try:
        ingest.parse_envelope(body)
    except ingest.IngestError as exc:
        no_marker(exc)


@FAST
@given(st.lists(st.tuples(st.sampled_from(["event", "attachment", "session", MARKER]), json_values,
                          st.integers(min_value=-5, max_value=10_000)), max_size=4))
def test_envelopes_with_lying_lengths_are_refused_cleanly(items) -> None:
    lines = [json.dumps({"event_id": "a" * 32}).encode()]
    for kind, payload, length in items:
        body = json.dumps(payload).encode()
        lines += [json.dumps({"type": kind, "length": length}).encode(), body]
    try:
        ingest.parse_envelope(b"\n".join(lines))
    except ingest.IngestError as exc:
        no_marker(exc)


@FAST
@given(st.binary(max_size=300) | st.builds(lambda v: json.dumps(v).encode(), json_values))
def test_kafka_messages_decode_or_are_poison(value: bytes) -> None:
    try:
        decode_message(value, max_bytes=10_000)
    except PoisonMessage as exc:
        no_marker(exc)


@FAST
@given(st.text(max_size=300) | st.builds(lambda v: json.dumps({"rules": v}), json_values))
@example("?")  # YAML's complex-key form: a mapping whose key is null
@example('rules: [{id: a, keys: [x], "?": 1}]')
def test_policy_loading_accepts_or_names_the_rule(text: str) -> None:
    try:
        parse_policy(text, source="fuzz.yaml")
    except PolicyError as exc:
        no_marker(exc)


@FAST
@given(json_values)
def test_sanitizer_never_raises_and_fails_closed(doc) -> None:
    result = Sanitizer(key=b"fuzz").sanitize({"extra": doc, "user": {"email": f"{MARKER}@example.com"}})
    for leak in result.leaks:
        assert MARKER not in json.dumps(leak)
    if not result.blocked:
        assert MARKER + "@example.com" not in json.dumps(result.event)
