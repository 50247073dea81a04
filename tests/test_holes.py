"""Holes: what sentry-sdk removed before capture is filled from the target's config, or not sent."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from examples.shop import BUGS
from replay.demo import capture_production_events


def test_removed_credentials_are_filled_from_the_target_and_listed(tmp_path: Path, shop) -> None:
    request = dict(BUGS["leap_birthday"].example, headers={"Authorization": "Bearer prod-token-77"},
                   cookies={"session": "prod-session-88", "cart_id": "c-1"})
    _, (event,) = capture_production_events([request])
    (tmp_path / "event.json").write_text(json.dumps(event))
    qa_url, qa_log = shop()
    (tmp_path / "replay.toml").write_text(
        f'[targets.qa]\nbase_url = "{qa_url}"\nheaders = {{ "Authorization" = "${{QA_AUTH}}" }}\n'
        'cookies = { "session" = "${QA_SESSION}" }\n')
    result = subprocess.run([sys.executable, "-m", "replay.cli", "run", "event.json", "--target", "qa", "--json"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "REPLAY_SECRET_KEY": "k", "PYTHONPATH": str(Path.cwd()),
                                 "QA_AUTH": "Bearer qa-token", "QA_SESSION": "qa-session"})
    row = json.loads(result.stdout)
    assert row["verdict"] == "reproduced"
    assert "header Authorization: removed before capture, filled from target 'qa'" in row["holes"]
    assert "cookie session: removed before capture, filled from the target" in row["holes"]
    replayed = next(json.loads(line) for line in qa_log.read_text().splitlines() if '"/api/profile"' in line)
    assert replayed["headers"]["Authorization"] == "Bearer qa-token"
    assert replayed["cookies"]["session"] == "qa-session" and "cart_id" in replayed["cookies"]
    assert "[Filtered]" not in json.dumps(replayed)
    assert "prod-token-77" not in qa_log.read_text() and "prod-session-88" not in qa_log.read_text()


def test_unfilled_holes_are_not_sent_and_are_listed(tmp_path: Path, shop) -> None:
    request = dict(BUGS["leap_birthday"].example, headers={"Authorization": "Bearer prod-token-77"})
    _, (event,) = capture_production_events([request])
    (tmp_path / "event.json").write_text(json.dumps(event))
    qa_url, qa_log = shop()
    result = subprocess.run([sys.executable, "-m", "replay.cli", "run", "event.json", "--target", qa_url, "--json"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "REPLAY_SECRET_KEY": "k"})
    row = json.loads(result.stdout)
    assert any(h.startswith("header Authorization: removed before capture, not sent") for h in row["holes"])
    assert "[Filtered]" not in qa_log.read_text()
