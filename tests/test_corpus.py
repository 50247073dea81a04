"""Tests for the sanitizer's measuring stick: bench/corpus.py (generator) and bench/score.py (scorer).

The scorer must be trustworthy in both directions: the raw corpus has to score as a total
leak, and a perfect redaction of the planted values has to score as zero leaks with every
technical value kept; otherwise sanitizer numbers measured with it mean nothing.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench import corpus
from bench import score as scoring

ROOT = Path(__file__).resolve().parent.parent
N_EVENTS = 150
SEED = 20240607
REQUIRED_KEYS = {"event_id", "timestamp", "platform", "level", "release", "environment", "modules", "sdk"}


@pytest.fixture(scope="module")
def generated() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """One shared corpus for the module (generation self-checks every event, so it is not free)."""
    events, entries = [], []
    for event, entry in corpus.generate(N_EVENTS, SEED):
        events.append(event)
        entries.append(entry)
    return events, corpus.truth_document(SEED, entries)


def _run(script: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


# --------------------------------------------------------------------------- determinism


def test_cli_same_seed_same_bytes_regardless_of_hash_seed(tmp_path: Path) -> None:
    outputs = []
    for run, hash_seed in enumerate(("0", "4242")):
        out, truth = tmp_path / f"events{run}.jsonl", tmp_path / f"truth{run}.json"
        proc = _run(
            "corpus.py",
            "--events",
            "40",
            "--seed",
            "11",
            "--out",
            str(out),
            "--truth",
            str(truth),
            env={"PYTHONHASHSEED": hash_seed},
        )
        assert proc.returncode == 0, proc.stderr
        outputs.append((out.read_bytes(), truth.read_bytes()))
    assert outputs[0] == outputs[1]
    assert len(outputs[0][0].splitlines()) == 40


def test_different_seed_different_corpus() -> None:
    first = [e for e, _ in corpus.generate(5, 1)]
    second = [e for e, _ in corpus.generate(5, 2)]
    assert first != second


def test_in_process_generation_matches_cli(tmp_path: Path) -> None:
    out, truth = tmp_path / "e.jsonl", tmp_path / "t.json"
    corpus.write_corpus(8, 3, out, truth)
    proc = _run(
        "corpus.py",
        "--events",
        "8",
        "--seed",
        "3",
        "--out",
        str(tmp_path / "c.jsonl"),
        "--truth",
        str(tmp_path / "c.json"),
    )
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes() == (tmp_path / "c.jsonl").read_bytes()
    assert truth.read_bytes() == (tmp_path / "c.json").read_bytes()


# --------------------------------------------------------------------------- shape


def test_event_shape(generated: tuple[list[dict[str, Any]], dict[str, Any]]) -> None:
    events, truth = generated
    assert len(events) == N_EVENTS == len(truth["events"])
    sizes = []
    for index, event in enumerate(events):
        assert isinstance(event, dict)
        assert REQUIRED_KEYS <= event.keys(), REQUIRED_KEYS - event.keys()
        assert re.fullmatch(r"[0-9a-f]{32}", event["event_id"])
        assert truth["events"][index]["event_id"] == event["event_id"]
        assert truth["events"][index]["index"] == index
        assert isinstance(event["modules"], dict) and event["modules"]
        assert {"name", "version"} <= event["sdk"].keys()
        request = event["request"]
        assert all(isinstance(h, list) and len(h) == 2 for h in request["headers"])
        assert "REMOTE_ADDR" in request["env"]
        assert {"id", "ip_address"} <= event["user"].keys()
        assert event["exception"]["values"] and event["breadcrumbs"]["values"]
        assert all(isinstance(t, list) and len(t) == 2 for t in event["tags"])
        sizes.append(len(json.dumps(event, ensure_ascii=False).encode()))
    average = sum(sizes) / len(sizes)
    assert 2048 <= average <= 4096, average


def test_events_cover_the_request_variants(generated: tuple[list[dict[str, Any]], dict[str, Any]]) -> None:
    events, _ = generated
    data_types = {type(e["request"].get("data")).__name__ for e in events}
    assert {"dict", "str", "NoneType"} <= data_types
    assert any(
        isinstance(e["request"].get("data"), str)
        and "=" in e["request"]["data"]
        and not e["request"]["data"].startswith("{")
        for e in events
    )  # form-encoded
    assert {type(e["request"]["cookies"]).__name__ for e in events if "cookies" in e["request"]} == {"dict", "str"}
    qs_types = {type(e["request"]["query_string"]).__name__ for e in events if "query_string" in e["request"]}
    assert qs_types == {"list", "str"}
    auth = [v for e in events for k, v in e["request"]["headers"] if k == "Authorization"]
    assert any(a.startswith("Bearer ey") for a in auth) and any(a.startswith("Basic ") for a in auth)
    assert any("-----BEGIN EC PRIVATE KEY-----" in json.dumps(e) for e in events)


def test_events_are_valid_for_relay(generated: tuple[list[dict[str, Any]], dict[str, Any]]) -> None:
    """Sentry's own normalizer accepts the events without recording schema errors."""
    sentry_relay = pytest.importorskip("sentry_relay")
    normalizer = sentry_relay.StoreNormalizer()
    events, _ = generated
    for event in events[:40]:
        normalized = normalizer.normalize_event(event)
        assert not normalized.get("errors"), normalized.get("errors")


# --------------------------------------------------------------------------- truth


def test_truth_covers_every_kind(generated: tuple[list[dict[str, Any]], dict[str, Any]]) -> None:
    _, truth = generated
    personal = {p["kind"] for e in truth["events"] for p in e["personal"]}
    technical = {t["kind"] for e in truth["events"] for t in e["technical"]}
    assert personal == set(corpus.PERSONAL_KINDS) == set(truth["personal_kinds"])
    assert technical == set(corpus.TECHNICAL_KINDS) == set(truth["technical_kinds"])
    assert set(truth["zero_leak_kinds"]) <= personal
    subkinds = {p.get("subkind") for e in truth["events"] for p in e["personal"]}
    assert {"amex", "visa", "mastercard", "unionpay19"} <= subkinds
    assert {"stripe_secret_key", "github_pat", "aws_access_key_id", "slack_bot_token", "pem_private_key"} <= subkinds


def test_truth_entries_are_well_formed(generated: tuple[list[dict[str, Any]], dict[str, Any]]) -> None:
    events, truth = generated
    for event, entry in zip(events, truth["events"]):
        text = json.dumps(event, ensure_ascii=False)
        for item in entry["personal"]:
            assert item["value"] and item["where"] and isinstance(item["forms"], list)
        for item in entry["technical"]:
            assert item["occurrences"] >= 1
        # Free-text values are recorded as the exact substring planted.
        for item in entry["personal"]:
            if "exception.values.value" in item["where"]:
                messages = [v["value"] for v in event["exception"]["values"]]
                assert any(item["value"] in m for m in messages), item
        assert entry["scenario"] in {"checkout", "profile", "search"} and text


def test_locale_diversity(generated: tuple[list[dict[str, Any]], dict[str, Any]]) -> None:
    _, truth = generated
    locales = {e["locale"] for e in truth["events"]}
    assert len(locales) >= 7
    names = [p["value"] for e in truth["events"] for p in e["personal"] if p["kind"] == "name"]
    assert any(re.search(r"[\u0400-\u04ff]", n) for n in names)  # Cyrillic
    assert any(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", n) for n in names)  # Japanese
    assert any(re.search(r"[äöüßéèçñãõłńś]", n) for n in names)


# --------------------------------------------------------------------------- scorer on the corpus


def test_unsanitized_corpus_leaks_everything(generated: tuple[list[dict[str, Any]], dict[str, Any]]) -> None:
    events, truth = generated
    report = scoring.score(events, truth)
    for kind, row in report["personal"].items():
        assert row["planted"] > 0 and row["leak_rate"] == 1.0, (kind, row)
    for kind, row in report["technical"].items():
        assert row["kept_rate"] == 1.0 and row["occurrences_kept_rate"] == 1.0, (kind, row)
    assert report["overall"]["leak_rate"] == 1.0
    assert report["pass"] is False
    assert report["checks"] == {"zero_leak_kinds": False, "overall_leak_rate": False, "kept_rate": True}


def test_redacted_copy_has_no_leaks(generated: tuple[list[dict[str, Any]], dict[str, Any]]) -> None:
    events, truth = generated
    cleaned = [corpus.redact_planted(e, t["personal"]) for e, t in zip(events, truth["events"])]
    report = scoring.score(cleaned, truth)
    assert report["overall"]["personal_leaked"] == 0, report["leak_examples"]
    assert report["overall"]["kept_rate"] == 1.0, report["lost_examples"]
    assert report["overall"]["occurrences_kept_rate"] == 1.0
    assert report["pass"] is True


def test_naive_textual_replacement_on_jsonl_has_no_leaks(
    generated: tuple[list[dict[str, Any]], dict[str, Any]],
) -> None:
    """Independent of redact_planted: plain str.replace of every value/form on the serialized line."""
    events, truth = generated
    cleaned = []
    for event, entry in zip(events, truth["events"]):
        line = json.dumps(event, ensure_ascii=False)
        literals = {str(lit) for p in entry["personal"] for lit in [p["value"], *p["forms"], *p.get("parts", [])]}
        for literal in sorted(literals, key=len, reverse=True):
            line = line.replace(json.dumps(literal, ensure_ascii=False)[1:-1], "XXXX")
        cleaned.append(json.loads(line))
    report = scoring.score(cleaned, truth)
    assert report["overall"]["personal_leaked"] == 0, report["leak_examples"]
    assert report["overall"]["kept_rate"] >= 0.99


# --------------------------------------------------------------------------- scorer unit behaviour


def _one(kind: str, value: str, event: dict[str, Any], **extra: Any) -> str | None:
    return scoring.find_leak({"kind": kind, "value": value, **extra}, scoring.build_haystack(event))


@pytest.mark.parametrize(
    ("kind", "value", "text", "encoding"),
    [
        ("email", "jane.doe@example.org", "to=jane.doe%40example.org&x=1", "url-quote"),
        ("name", "Jörg Müller", "q=J%C3%B6rg+M%C3%BCller", "url-quote-plus"),
        ("name", "Jörg Müller", '{"name": "J\\u00f6rg M\\u00fcller"}', "json-escaped"),
        ("email", "Jane.Doe@Example.org", "contact jane.doe@example.org", "lower-cased"),
        ("card", "4111 1111 1111 1111", "pan=4111-1111-1111-1111", "separators-removed"),
        ("card", "4111111111111111", "card 4111 1111 1111 1111 declined", "separators-removed"),
        ("iban", "DE89 3704 0044 0532 0130 00", "iban de89370400440532013000", "separators-removed"),
        ("phone", "+49 30 1234567", "tel:+49-30-1234567", "separators-removed"),
        ("ssn", "123-45-6789", "ssn=123456789", "separators-removed"),
        ("basic_auth", "jdoe:hunter22", "Basic " + base64.b64encode(b"jdoe:hunter22").decode(), "base64"),
        ("email", "jane@example.org", "x" + base64.b64encode(b'{"email":"jane@example.org"}').decode(), "base64"),
        ("ip", "10.1.2.3", "from 10.1.2.3.", "as-is"),
        ("name", "Ana", "Hello Ana, welcome", "as-is"),
    ],
)
def test_leak_encodings(kind: str, value: str, text: str, encoding: str) -> None:
    assert _one(kind, value, {"message": text}) == encoding


@pytest.mark.parametrize(
    ("kind", "value", "event"),
    [
        ("name", "Ana", {"product": "Banana Bread", "note": "ANALYTICS"}),  # word boundaries
        ("name", "Max", {"headers": [["Cache-Control", "max-age=60"]]}),  # short values are case-sensitive
        ("name", "Email", {"Email": "[Filtered]"}),  # schema key, not data
        ("name", "Email", {"headers": [["Email", "[Filtered]"]]}),  # pair-list key, not data
        ("ip", "1.2.3.4", {"v": "11.2.3.45", "w": "1.2.3.40"}),
        ("phone", "+49 30 1234567", {"v": "+49 30 7654321"}),
        ("card", "4111 1111 1111 1111", {"v": "4111 11** **** 1111"}),
        # a fake keeps the domain: a fragment of "@live.com" alone is no leak of "ii@live.com"
        ("email", "ii@live.com", {"jwt": "x." + base64.urlsafe_b64encode(b'{"email":"va@live.com"}').decode()}),
    ],
)
def test_no_false_leaks(kind: str, value: str, event: dict[str, Any]) -> None:
    assert _one(kind, value, event) is None


@settings(max_examples=200, deadline=None)
@given(
    value=st.text(st.characters(min_codepoint=33, max_codepoint=0x2FFF), min_size=8, max_size=40),
    prefix=st.binary(max_size=5),
    how=st.sampled_from(["as-is", "quote", "quote_plus", "json", "base64", "base64url"]),
)
def test_any_encoding_of_a_long_value_is_detected(value: str, prefix: bytes, how: str) -> None:
    """Whatever the bytes around it, an encoded value embedded in a larger string is found."""
    if how == "as-is":
        blob = value
    elif how == "quote":
        blob = quote(value, safe="")
    elif how == "quote_plus":
        blob = quote_plus(value)
    elif how == "json":
        blob = json.dumps(value)[1:-1]
    else:
        raw = prefix + value.encode() + b"}"
        blob = (base64.urlsafe_b64encode if how == "base64url" else base64.b64encode)(raw).decode()
    assert _one("secret", value, {"blob": f"xx {blob} yy"}) is not None


@settings(max_examples=300, deadline=None)
@given(
    haystack=st.text(alphabet="ab1._ -é", max_size=30),
    literal=st.text(alphabet="ab1._-é", min_size=1, max_size=4),
    kind=st.sampled_from(["ip", "name", "technical"]),
)
def test_fast_bounded_search_matches_the_regex(haystack: str, literal: str, kind: str) -> None:
    expected = [m.start() for m in scoring.literal_pattern(literal, kind).finditer(haystack)]
    assert list(scoring.find_bounded(haystack, literal, kind, True)) == expected


def test_value_inside_a_non_schema_key_leaks() -> None:
    assert _one("email", "jane@example.org", {"extra": {"jane@example.org": 1}}) == "as-is"


def test_jwt_parts_leak_even_if_token_is_altered() -> None:
    entry = {"kind": "jwt", "value": "eyJh.PAYLOADPAYLOAD.SIGNATURESIG", "parts": ["PAYLOADPAYLOAD", "SIGNATURESIG"]}
    assert scoring.find_leak(entry, scoring.build_haystack({"a": "Bearer xxxx.PAYLOADPAYLOAD.yyyy"})) == "part"


def test_kept_check() -> None:
    hay = scoring.build_haystack({"status": 402, "msg": "order ORD-2024-000123 failed", "amount": "12.50"})
    assert scoring.is_kept({"kind": "http_status", "value": 402}, hay)
    assert scoring.is_kept({"kind": "order_id", "value": "ORD-2024-000123"}, hay)
    assert scoring.is_kept({"kind": "amount", "value": "12.50"}, hay)
    assert not scoring.is_kept({"kind": "amount", "value": "12.5"}, hay)
    assert not scoring.is_kept({"kind": "order_id", "value": "ORD-2024-00012"}, hay)


def test_score_targets_logic() -> None:
    truth = {
        "events": [
            {
                "personal": [{"kind": "name", "value": "Marie Curie"}],
                "technical": [{"kind": "sku", "value": "SKU-AB12-XL"}],
            }
        ]
    }
    leaky = scoring.score([{"m": "Sent receipt to Marie Curie", "s": "SKU-AB12-XL"}], truth)
    assert leaky["checks"]["zero_leak_kinds"] is True  # names are not zero-leak...
    assert leaky["checks"]["overall_leak_rate"] is False  # ...but 100% > 0.5%
    clean = scoring.score([{"m": "Sent receipt to Anna Nowak", "s": "SKU-AB12-XL"}], truth)
    assert clean["pass"] is True
    with pytest.raises(scoring.InputError):
        scoring.score([], truth)


# --------------------------------------------------------------------------- scorer CLI


def test_score_cli(tmp_path: Path) -> None:
    out, truth = tmp_path / "events.jsonl", tmp_path / "truth.json"
    corpus.write_corpus(6, 5, out, truth)
    table = _run("score.py", "--truth", str(truth), "--output", str(out))
    assert table.returncode == 0, table.stderr
    assert "PERSONAL VALUES" in table.stdout and "RESULT: FAIL" in table.stdout
    as_json = _run("score.py", "--truth", str(truth), "--output", str(out), "--json")
    assert as_json.returncode == 0, as_json.stderr
    report = json.loads(as_json.stdout)
    assert report["overall"]["leak_rate"] == 1.0 and report["events"] == 6


def test_dropped_events_are_matched_by_event_id(generated: tuple[list[dict[str, Any]], dict[str, Any]]) -> None:
    """A sanitizer whose leak gate drops an event: nothing leaks from it, but its technical values are lost."""
    events, truth = generated
    kept = [corpus.redact_planted(e, t["personal"]) for e, t in zip(events, truth["events"])]
    report = scoring.score(kept[:3] + kept[4:], truth)
    assert report["warnings"]["dropped_events"] == 1
    assert report["overall"]["personal_leaked"] == 0
    lost = report["overall"]["technical_planted"] - report["overall"]["technical_kept"]
    assert lost == len(truth["events"][3]["technical"])
    with pytest.raises(scoring.InputError):
        scoring.score([{"event_id": "f" * 32}], truth)


@pytest.mark.parametrize("problem", ["missing", "bad_json", "short", "bad_truth"])
def test_score_cli_broken_inputs(tmp_path: Path, problem: str) -> None:
    out, truth = tmp_path / "events.jsonl", tmp_path / "truth.json"
    corpus.write_corpus(3, 5, out, truth)
    if problem == "missing":
        out.unlink()
    elif problem == "bad_json":
        out.write_text(out.read_text()[:120] + "\n")
    elif problem == "short":  # fewer events and no event_id to match them by
        first = json.loads(out.read_text().splitlines()[0])
        first.pop("event_id")
        out.write_text(json.dumps(first) + "\n")
    else:
        truth.write_text('{"events": 5}')
    proc = _run("score.py", "--truth", str(truth), "--output", str(out))
    assert proc.returncode == 2
    assert proc.stderr.startswith("score.py: error:") and "Traceback" not in proc.stderr


def test_self_check_rejects_a_bad_measuring_stick(generated: tuple[list[dict[str, Any]], dict[str, Any]]) -> None:
    """The generator's gate notices unrecorded encodings and values that overlap technical ones."""
    events, truth = generated
    event, entry = events[0], truth["events"][0]
    assert corpus.self_check(event, entry) == []
    not_planted = {**entry, "personal": [*entry["personal"], {"kind": "email", "value": "nobody@nowhere.test"}]}
    assert any(p.startswith("undetectable email") for p in corpus.self_check(event, not_planted))
    order_id = next(t["value"] for t in entry["technical"] if t["kind"] == "order_id")
    overlapping = {**entry, "personal": [*entry["personal"], {"kind": "name", "value": order_id, "forms": []}]}
    assert any(p.startswith("technical damaged") for p in corpus.self_check(event, overlapping))


def test_the_speed_benchmark_runs_end_to_end_on_a_small_corpus() -> None:
    """``bench.sanitize_bench`` is run by hand, so nothing else would notice it broken: every one of
    its lines (whole-process runs, Relay, naive presidio, start-up, quality) on a few events.
    Its figures are not checked: they mean nothing at this size."""
    done = subprocess.run([sys.executable, "-m", "bench.sanitize_bench", "--events", "60", "--workers", "1", "2",
                           "--repeat", "1", "--latency-events", "20", "--presidio-events", "1"],
                          cwd=ROOT, capture_output=True, text=True, timeout=200)
    assert done.returncode == 0, done.stderr[-2000:]
    for line in ("replay sanitize --workers 2 (whole process)", "Sentry Relay pii_strip_event",
                 "naive presidio AnalyzerEngine", "outputs identical: True", "start-up, replay sanitize of one event",
                 "zero-leak kinds"):
        assert line in done.stdout, line
