"""HAR captures, request logs and access logs become Sentry events that replay like any other."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from connectors import read_events
from examples.shop import BUGS


def replay(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "replay.cli", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "REPLAY_SECRET_KEY": "k"})


def har_entry(method: str, url: str, status: int, body: dict | None = None) -> dict:
    request = {"method": method, "url": url, "headers": [{"name": "Content-Type", "value": "application/json"},
                                                         {"name": "Accept", "value": "*/*"}],
               "cookies": [{"name": "cart_id", "value": "c-1"}], "queryString": []}
    if body is not None:
        request["postData"] = {"mimeType": "application/json", "text": json.dumps(body)}
    return {"startedDateTime": "2026-11-20T10:00:00.000Z", "request": request, "response": {"status": status}}


def test_failed_har_entries_replay_and_personal_data_is_replaced(tmp_path: Path, shop) -> None:
    checkout = BUGS["non_ascii_name"].example["json"]
    har = {"log": {"version": "1.2", "entries": [
        har_entry("GET", "https://shop.example.com/health", 200),
        har_entry("POST", "https://shop.example.com/api/checkout", 500, checkout),
        har_entry("GET", "https://shop.example.com/api/profile/u-404", 404)]}}
    path = tmp_path / "capture.har"
    path.write_text(json.dumps(har))
    qa_url, qa_log = shop()
    result = replay("run", str(path), "--target", qa_url, "--json")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["request"]["path"], r["verdict"]) for r in rows] == [
        ("/api/checkout", "reproduced"), ("/api/profile/u-404", "reproduced")]
    assert "Zoë Ångström" not in qa_log.read_text(encoding="utf-8")
    assert checkout["customer"]["email"] not in qa_log.read_text(encoding="utf-8")


def test_request_log_lines_are_events(tmp_path: Path) -> None:
    path = tmp_path / "requests.jsonl"
    path.write_text(json.dumps({"method": "GET", "url": "https://shop.example.com/api/search?q=x", "status": 500,
                                "headers": {"Accept": "*/*"}, "ts": "2026-11-20T10:00:00Z"}) + "\n")
    (item,) = read_events(str(path))
    assert item.document["request"]["method"] == "GET"
    assert item.document["contexts"]["response"]["status_code"] == 500


def test_csv_access_log_rows_with_errors_become_events_and_bad_rows_are_named(tmp_path: Path) -> None:
    path = tmp_path / "access.csv"
    path.write_text("timestamp,method,path,status,user_agent,client_ip\n"
                    "2026-11-20T10:00:00Z,GET,/health,200,curl/8,84.114.89.168\n"
                    "2026-11-20T10:00:01Z,GET,/api/search,503,curl/8,84.114.89.168\n"
                    "2026-11-20T10:00:02Z,GET,/api/search,oops,curl/8,84.114.89.168\n")
    items = list(read_events(str(path)))
    assert [(i.ref.split(":")[-1], i.error) for i in items] == [("3", None), ("4", "status is not a number")]
    assert items[0].document["request"]["headers"] == [["User-Agent", "curl/8"], ["X-Forwarded-For", "84.114.89.168"]]
    result = replay("sanitize", str(path))
    assert result.returncode == 1 and "84.114.89.168" not in result.stdout + result.stderr
    assert "access.csv:4: status is not a number" in result.stderr


def test_access_log_without_the_needed_columns_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "access.csv"
    path.write_text("when,what\n1,2\n")
    result = replay("sanitize", str(path))
    assert result.returncode == 1
    assert "needs the columns method, url (or path) and status" in result.stderr and "Traceback" not in result.stderr


def test_a_har_file_without_entries_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.har"
    path.write_text('{"log": {}}')
    result = replay("sanitize", str(path))
    assert result.returncode == 1 and "not a HAR file" in result.stderr


def test_parquet_access_log_rows_become_events(tmp_path: Path) -> None:
    import pandas as pd

    path = tmp_path / "access.parquet"
    pd.DataFrame({"method": ["GET", "POST"], "url": ["https://shop.example.com/a", "https://shop.example.com/b"],
                  "status": [200, 502]}).to_parquet(path)
    (item,) = read_events(str(path))
    assert item.document["request"]["url"] == "https://shop.example.com/b"
    assert item.document["contexts"]["response"]["status_code"] == 502
