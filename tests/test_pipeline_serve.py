"""`replay pipeline --source serve`: the embedded default, fed by replay serve's ingest (no Kafka)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.production import capture_bug_events
from tests.test_serve import AUTH, KEY, envelope


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_pipeline_fed_by_serve_replays_and_stores(tmp_path: Path, shop) -> None:
    qa_url, qa_log = shop()
    port = free_port()
    env = {**os.environ, "REPLAY_SECRET_KEY": "k", "REPLAY_DSN_KEYS": KEY}
    proc = subprocess.Popen([sys.executable, "-m", "replay.cli", "pipeline", "--source", f"serve://127.0.0.1:{port}",
                             "--target", qa_url, "--store", str(tmp_path / "results.sqlite3")],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url + "/health", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "pipeline --source serve did not start"
                time.sleep(0.2)
        event = capture_bug_events("leap_birthday")["leap_birthday"]
        assert httpx.post(url + "/api/1/envelope/", content=envelope(event), headers=AUTH, timeout=10).status_code == 200
        while not (rows := httpx.get(url + "/api/results").json()["results"]):
            assert time.monotonic() < deadline + 30, "no result stored"
            time.sleep(0.2)
        assert rows[0]["event_id"] == event["event_id"] and rows[0]["verdict"] == "reproduced"
        assert "jane.doe@example.com" not in qa_log.read_text(encoding="utf-8")
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    assert "Traceback" not in proc.stderr.read()
