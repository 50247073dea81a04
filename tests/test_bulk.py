"""Bulk replay: concurrency across users, one user's requests in timestamp order, rate limit, retries."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from replay.bulk import RateLimiter
from tests.production import capture_bug_events


def run(tmp_path: Path, config: str, events: list[dict]) -> subprocess.CompletedProcess:
    (tmp_path / "replay.toml").write_text(config)
    (tmp_path / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    return subprocess.run([sys.executable, "-m", "replay.cli", "run", "events.jsonl", "--target", "qa", "--json"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "REPLAY_SECRET_KEY": "k", "PYTHONPATH": str(Path.cwd())})


def test_rate_limiter_spaces_calls() -> None:
    limiter = RateLimiter(20)
    started = time.monotonic()
    for _ in range(5):
        limiter.wait()
    assert time.monotonic() - started >= 0.19


def test_each_users_requests_stay_in_timestamp_order_under_concurrency(tmp_path: Path, shop) -> None:
    base = capture_bug_events("leap_birthday")["leap_birthday"]
    events = []
    for n, (user, second) in enumerate([("u-1", 4), ("u-2", 1), ("u-1", 2), ("u-2", 3), ("u-1", 1), ("u-2", 2)]):
        event = copy.deepcopy(base)
        event["event_id"] = f"{n:032x}"
        event["user"] = {"id": user}
        event["timestamp"] = f"2026-11-20T10:00:0{second}Z"
        event["request"]["headers"]["X-Seq"] = f"{user}-{second}"
        events.append(event)
    qa_url, qa_log = shop()
    result = run(tmp_path, f'[targets.qa]\nbase_url = "{qa_url}"\nconcurrency = 4\n', events)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["event_id"] for r in rows] == [e["event_id"] for e in events], "output keeps input order"
    seen = [json.loads(line)["headers"].get("X-Seq") for line in qa_log.read_text().splitlines()]
    for user in ("u-1", "u-2"):
        mine = [s for s in seen if s and s.startswith(user)]
        assert mine == sorted(mine) and len(mine) == 3


def test_idempotent_requests_are_retried_after_connection_errors(tmp_path: Path) -> None:
    event = capture_bug_events("long_query")["long_query"]
    result = run(tmp_path, '[targets.qa]\nbase_url = "http://127.0.0.1:9"\nretries = 2\n', [event])
    row = json.loads(result.stdout)
    assert row["verdict"] == "inconclusive" and row["reason"].endswith("(after 3 tries)")


def test_odd_events_get_a_verdict_each_and_never_stop_the_batch(tmp_path: Path, shop) -> None:
    """Found by a review: each of these once ended the whole run with a traceback."""
    base = capture_bug_events("leap_birthday")["leap_birthday"]
    odd = []
    for n, change in enumerate([
        lambda e: e.setdefault("tags", []).append(["status_code", "500²"]),  # isdigit(), but no int
        lambda e: e.update(user={"id": {"nested": 1}}),  # unhashable as a user key
        lambda e: e["request"].update(url="http://[::1/cart"),  # urlsplit raises
        lambda e: e["request"]["headers"].update({"User-Agent": "ShopApp/2.1 (Zoë’s iPhone)"}),  # not ASCII
        lambda e: e["request"].update(url="orders-of-Zebulon-Quackenbush"),  # no "/": glued to QA's port
        lambda e: e["request"].update(url="javascript:alert(1)"),
        lambda e: e["request"].update(method=["POST"]),
        lambda e: e.update(exception=5, contexts=3, tags=7, fingerprint="abc"),  # read after the send
    ]):
        event = copy.deepcopy(base)
        event["event_id"] = f"{n:032x}"
        change(event)
        odd.append(event)
    qa_url, qa_log = shop()
    result = run(tmp_path, f'[targets.qa]\nbase_url = "{qa_url}"\n', odd)
    assert "Traceback" not in result.stderr, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["event_id"] for r in rows] == [e["event_id"] for e in odd]
    assert [r["verdict"] for r in rows] == ["reproduced", "reproduced", "inconclusive", "reproduced",
                                            "inconclusive", "inconclusive", "inconclusive", "reproduced"], rows
    assert all("malformed" in rows[i]["reason"] for i in (2, 4, 5)) and "HTTP method" in rows[6]["reason"]
    assert "Quackenbush" not in result.stderr + result.stdout
    user_agents = [json.loads(line)["headers"].get("User-Agent") for line in qa_log.read_text().splitlines()]
    assert any(ua and ua.startswith("ShopApp/2.1 (Zo") for ua in user_agents)  # sent as UTF-8 bytes
