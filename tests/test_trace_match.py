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


def test_without_qa_reports_the_type_in_qa_error_body_decides(tmp_path, shop, amex_event):
    """No QA error event: QA's JSON error body names its own exception type. A wrapper whose
    message quotes production's type ("ShopServiceError: IndexError: ...") is another error."""
    for variant, verdict in ((), "reproduced"), (("--variant", "different-error"), "not_reproduced"):
        qa_url, _ = shop(*variant)
        result = subprocess.run([sys.executable, "-m", "replay.cli", "run", str(amex_event), "--target", qa_url,
                                 "--json"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                                env={**os.environ, "REPLAY_SECRET_KEY": "k"})
        row = json.loads(result.stdout)
        assert (row["verdict"], row["evidence"], row["status"]) == (verdict, "error match", 500), row
    assert row["reason"] == "QA failed with 500 but reported ShopServiceError where production raised IndexError"


@pytest.mark.parametrize("exception_type, body, evidence", [
    ("ValueError", "ValueError at /api/profile\nRequest Method: POST", "error match"),  # a debug page
    ("builtins.ValueError", "Traceback ...\nValueError: bad", "error match"),
    ("ValueError", "Internal Server Error", "status only"),  # "Error" is not ValueError
    ("KeyError", "KeyErrors are logged", "status only"),
])
def test_a_text_error_body_names_the_type_only_as_a_word_of_its_own(exception_type, body, evidence):
    from replay.send import Outcome
    from replay.verdict import ErrorSignature, decide

    verdict = decide(ErrorSignature(exception_type=exception_type), Outcome("http://qa/x", status=500, body=body))
    assert (verdict.verdict, verdict.evidence) == ("reproduced", evidence)
