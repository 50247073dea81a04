"""No raw data anywhere: plant canaries, run the tool's commands, scan everything it wrote."""

from __future__ import annotations

import base64
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, quote_plus

import httpx
import msgpack
import orjson
import pytest
import sentry_sdk

from examples.shop import create_app, init_sentry, serve_in_thread
from replay.demo import capture_production_events
from tests.test_pipeline import consume_all, produce
from tests.test_serve import KEY

CANARIES = {
    "name": "Jörg Kanarienvogel",
    "email": "canary.person+tag@kanarien-post.example",
    "phone": "+49 30 55501234",
    "card": "4539 1488 0343 6467",
    "address": "Kanarienweg 17, 10115 Berlin",
    "token": "Bearer canary-bearer-token-0042",
}


def canary_request() -> dict:
    body = {"customer": {"name": CANARIES["name"], "email": CANARIES["email"], "phone": CANARIES["phone"],
                         "address": CANARIES["address"]},
            "card": {"number": CANARIES["card"], "expiry": "09/28", "cvc": "737"},
            "items": [{"sku": "MUG-002", "qty": 1}]}
    return {"method": "POST", "path": "/api/checkout", "json": body, "headers": {"Authorization": CANARIES["token"]}}


def encodings(value: str) -> set[str]:
    forms = {value, quote(value), quote_plus(value), json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1],
             value.encode("unicode_escape").decode(), value.lower(), value.replace(" ", "")}
    forms.add(base64.b64encode(value.encode()).decode().rstrip("="))
    return {f for f in forms if len(f) >= 6}


def assert_no_canary(text: str, where: str) -> None:
    for kind, value in CANARIES.items():
        for form in encodings(value):
            assert form not in text, f"canary {kind} found in {where}"


def scan_tree(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            assert_no_canary(path.read_bytes().decode("utf-8", "replace"), str(path.relative_to(root)))


def test_cli_outputs_reports_bundles_and_stores_hold_no_canary(tmp_path: Path, shop) -> None:
    _, events = capture_production_events([canary_request()])
    source = tmp_path.parent / f"{tmp_path.name}-input.jsonl"  # the raw input lives outside the scanned tree
    source.write_text(json.dumps(events[0]) + "\n")
    qa_url, qa_log = shop()
    env = {**os.environ, "REPLAY_SECRET_KEY": "k", "REPLAY_HOME": str(tmp_path / "home")}
    outputs = []
    for args in (["sanitize", str(source), "-o", str(tmp_path / "clean.jsonl"), "--report", str(tmp_path / "r.json")],
                 ["run", str(source), "--target", qa_url, "--json", "--curl", "--save", str(tmp_path / "bundles")],
                 ["run", str(source), "--target", qa_url, "--curl"]):
        result = subprocess.run([sys.executable, "-m", "replay.cli", *args], capture_output=True, text=True,
                                timeout=120, env=env)
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout + result.stderr)
    assert_no_canary("".join(outputs), "stdout/stderr")
    assert_no_canary(qa_log.read_text(encoding="utf-8"), "QA's request log")
    scan_tree(tmp_path)
    source.unlink()


def test_demo_output_holds_no_demo_value() -> None:
    from replay.demo import PERSONAL_CHECKOUT, _PERSONAL_HEADERS

    result = subprocess.run([sys.executable, "-m", "replay.cli", "demo"], capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    values = [v for v in PERSONAL_CHECKOUT["customer"].values()] + [PERSONAL_CHECKOUT["card"]["number"],
                                                                     *_PERSONAL_HEADERS.values()]
    text = result.stdout + result.stderr
    for value in values:
        for form in encodings(value):
            assert form not in text


def test_serve_store_and_logs_hold_no_canary(tmp_path: Path, shop, start_server, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    qa_url, qa_log = shop()
    url, service = start_server(qa_url)
    transport_dsn = f"http://{KEY}@{url.split('//')[1]}/1"
    init_sentry(dsn=transport_dsn, environment="production")
    app = create_app()
    app.logger.disabled = True
    logging.getLogger("werkzeug").disabled = True
    base, shutdown = serve_in_thread(app)
    try:
        request = canary_request()
        httpx.post(base + request["path"], json=request["json"], headers=request["headers"], timeout=10)
    finally:
        shutdown()
        sentry_sdk.get_client().close()
        sentry_sdk.init()
    deadline = time.monotonic() + 20
    while service.store.count() == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert service.store.count() == 1
    records = httpx.get(f"{url}/api/results").text
    assert_no_canary(records, "GET /api/results")
    assert_no_canary(caplog.text, "logs")
    assert_no_canary(qa_log.read_text(encoding="utf-8"), "QA's request log")
    scan_tree(tmp_path)


@pytest.mark.kafka
def test_pipeline_results_dlq_stores_and_output_hold_no_canary(kafka_bootstrap, kafka_topic, tmp_path: Path,
                                                                shop) -> None:
    _, (event,) = capture_production_events([canary_request()])
    ingest = msgpack.packb({"type": "event", "payload": orjson.dumps(event | {"event_id": "ab" * 16}),
                            "event_id": "ab" * 16, "project_id": 1})
    poison = [f"not json {CANARIES['email']}".encode(), orjson.dumps({"hello": CANARIES["name"]}),
              orjson.dumps({"event_id": "cd" * 16, "request": CANARIES["card"], "exception": CANARIES["phone"]}),
              msgpack.packb({"type": "event", "payload": f"{{{CANARIES['address']}".encode()}),
              orjson.dumps(event | {"event_id": "ef" * 16, "extra": {"blob": CANARIES["token"] * 2000}})]
    produce(kafka_bootstrap, kafka_topic, [orjson.dumps(event), ingest, *poison], partitions=1)
    qa_url, qa_log = shop()
    results_topic, dlq_topic = f"{kafka_topic}-results", f"{kafka_topic}-dlq"
    proc = subprocess.run([sys.executable, "-m", "replay.cli", "pipeline", "--source",
                           f"kafka://{kafka_bootstrap}/{kafka_topic}", "--group", "canary", "--target", qa_url,
                           "--results-topic", results_topic, "--dlq-topic", dlq_topic, "--max-bytes", "20000",
                           "--store", str(tmp_path / "results.sqlite3"), "--idle-timeout", "2", "--stats"],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "REPLAY_SECRET_KEY": "k", "REPLAY_HOME": str(tmp_path / "home")})

    assert proc.returncode == 0, proc.stderr
    published = consume_all(kafka_bootstrap, results_topic, 3)
    letters = consume_all(kafka_bootstrap, dlq_topic, 4)
    assert {orjson.loads(v)["event_id"] for v in published} == {event["event_id"], "ab" * 16, "cd" * 16}
    assert sorted(orjson.loads(v)["offset"] for v in letters) == [2, 3, 5, 6]  # the request-less event has a result
    assert (tmp_path / "home" / "audit.sqlite3").exists()
    assert_no_canary(proc.stdout + proc.stderr, "stdout/stderr")
    for value in published + letters:
        assert_no_canary(value.decode("utf-8", "replace"), "the results or dead-letter topic")
    assert_no_canary(qa_log.read_text(encoding="utf-8"), "QA's request log")
    scan_tree(tmp_path)  # the result store (with its claims) and the audit trail
