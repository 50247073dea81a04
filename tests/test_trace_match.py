"""The verdict from QA's own error event: the replay sends a fresh trace id, QA's sentry-sdk
reports its error to `replay serve`, and the replayer compares that error with production's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.production import capture_bug_events
from tests.test_serve import KEY


@pytest.fixture(scope="module")
def amex_event(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("trace") / "event.json"
    path.write_text(json.dumps(capture_bug_events("amex_card")["amex_card"]))
    return path


def run_against(tmp_path: Path, qa_url: str, reports_url: str, event: Path) -> dict:
    (tmp_path / "replay.toml").write_text(
        f'[targets.qa]\nbase_url = "{qa_url}"\nqa_reports = "{reports_url}"\nqa_report_wait = 10\n')
    result = subprocess.run([sys.executable, "-m", "replay.cli", "run", str(event), "--target", "qa", "--json"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "REPLAY_SECRET_KEY": "k", "PYTHONPATH": str(Path.cwd())})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_qa_error_event_matched_by_trace_id_confirms_the_reproduction(tmp_path, shop, start_server, amex_event):
    reports_url, service = start_server()
    qa_url, _ = shop("--sentry-dsn", f"http://{KEY}@{reports_url.split('//')[1]}/2")
    row = run_against(tmp_path, qa_url, reports_url, amex_event)
    assert row["verdict"] == "reproduced" and row["evidence"] == "QA error event"
    assert "IndexError in format_card_number" in row["reason"]
    assert service.store.count() == 0, "QA's own reports are never replayed"


def test_qa_failing_with_another_exception_is_not_a_reproduction(tmp_path, shop, start_server, amex_event):
    reports_url, _ = start_server()
    qa_url, _ = shop("--variant", "different-error", "--sentry-dsn", f"http://{KEY}@{reports_url.split('//')[1]}/2")
    row = run_against(tmp_path, qa_url, reports_url, amex_event)
    assert row["verdict"] == "not_reproduced" and row["status"] == 500
    assert row["reason"].startswith("QA failed differently: ShopServiceError")
    assert "where production raised IndexError in format_card_number" in row["reason"]
