"""Environment parity: the example shop's QA manifest against production's event and baselines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from replay.parity import Snapshot, compare
from tests.production import capture_bug_events


def replay(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "replay.cli", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "REPLAY_SECRET_KEY": "k"}, cwd=cwd)


@pytest.fixture(scope="module")
def event_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("parity") / "event.json"
    path.write_text(json.dumps(capture_bug_events("leap_birthday")["leap_birthday"]))
    return path


def replayed_paths(log: Path) -> list[str]:
    return [json.loads(line)["path"] for line in log.read_text().splitlines()] if log.exists() else []


def test_identical_qa_passes(shop, event_file: Path) -> None:
    qa_url, _ = shop()
    result = replay("parity", "--target", qa_url, "--event", str(event_file), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["status"] == "pass"


def test_different_release_blocks_the_replay(shop, event_file: Path) -> None:
    qa_url, qa_log = shop("--release", "shop@1.5.0")
    result = replay("run", str(event_file), "--target", qa_url, "--json")
    row = json.loads(result.stdout)
    assert row["verdict"] == "blocked" and result.returncode == 1
    assert "1 of 1 replays blocked, nothing sent for it" in result.stderr
    assert "release: production 'shop@1.4.2', QA 'shop@1.5.0'" in row["reason"]
    assert replayed_paths(qa_log) == ["/__manifest"], "nothing but the manifest read reaches QA"
    assert replay("parity", "--target", qa_url, "--event", str(event_file)).returncode == 1


def test_flipped_flag_blocks_and_is_named(shop, event_file: Path) -> None:
    qa_url, _ = shop("--flag", "loyalty_points=on")
    row = json.loads(replay("run", str(event_file), "--target", qa_url, "--json").stdout)
    assert row["verdict"] == "blocked" and "flag loyalty_points" in row["reason"]
    drift = next(d for d in row["parity"]["drifts"] if d["kind"] == "flag")
    assert drift == {"kind": "flag", "name": "flag loyalty_points", "production": False, "qa": True,
                     "severity": "error", "message": "flag loyalty_points: production False, QA True"}


def test_ignore_parity_replays_anyway(shop, event_file: Path) -> None:
    qa_url, qa_log = shop("--release", "shop@1.5.0")
    row = json.loads(replay("run", str(event_file), "--target", qa_url, "--json", "--ignore-parity").stdout)
    assert row["verdict"] == "reproduced" and row["parity"]["status"] == "fail"
    assert replayed_paths(qa_log) == ["/__manifest", "/api/profile"]


def test_not_reproduced_under_drift_says_the_drift_may_explain_it(shop, event_file: Path) -> None:
    qa_url, _ = shop("--fixed", "leap_birthday", "--release", "shop@1.5.0")
    row = json.loads(replay("run", str(event_file), "--target", qa_url, "--json", "--ignore-parity").stdout)
    assert row["verdict"] == "not_reproduced" and "the drift may explain it" in row["reason"]


def test_minor_package_drift_is_a_warning_and_major_an_error(shop, tmp_path: Path) -> None:
    qa_url, _ = shop()
    manifest = httpx.get(f"{qa_url}/__manifest").json()
    major, minor = dict(manifest), dict(manifest)
    flask = manifest["packages"]["flask"].split(".")
    minor["packages"] = {**manifest["packages"], "flask": f"{flask[0]}.{int(flask[1]) + 1}.0"}
    major["packages"] = {**manifest["packages"], "flask": f"{int(flask[0]) + 1}.0.0"}
    (tmp_path / "minor.json").write_text(json.dumps(minor))
    (tmp_path / "major.json").write_text(json.dumps(major))
    result = replay("parity", "--target", qa_url, "--baseline", str(tmp_path / "minor.json"), "--json")
    assert result.returncode == 0 and json.loads(result.stdout)["status"] == "warn"
    result = replay("parity", "--target", qa_url, "--baseline", str(tmp_path / "major.json"))
    assert result.returncode == 1 and "flask" in result.stdout


def test_missing_env_var_is_a_warning_naming_it_without_values() -> None:
    production = Snapshot("baseline", env={"SHOP_CURRENCY": "ab" * 32, "TZ": "cd" * 32})
    qa = Snapshot("qa", env={"SHOP_CURRENCY": "ef" * 32})
    report = compare(production, qa)
    assert report.status == "warn"
    assert [d.message for d in report.drifts] == ["env var SHOP_CURRENCY: differs", "env var TZ: missing in QA"]


def test_schema_drift_is_an_error_and_severity_can_be_overridden() -> None:
    production, qa = Snapshot("a", schema="1" * 64, release="r1"), Snapshot("b", schema="2" * 64, release="r1")
    assert compare(production, qa).status == "fail"
    assert compare(production, qa, {"schema": "warning"}).status == "warn"


def test_parity_command_says_when_the_qa_manifest_is_unreachable(event_file: Path) -> None:
    result = replay("parity", "--target", "http://127.0.0.1:9", "--event", str(event_file))
    assert result.returncode == 2 and "unreachable" in result.stderr and "Traceback" not in result.stderr


def test_serve_checks_parity_before_each_replay(shop, start_server, event_file: Path) -> None:
    from tests.test_serve import envelope, post, wait_for

    qa_url, qa_log = shop("--release", "shop@1.5.0")
    url, service = start_server(qa_url)
    event = json.loads(event_file.read_text())
    assert post(url, envelope(event)).status_code == 200
    record = wait_for(lambda: service.store.get(event["event_id"]))
    assert record["verdict"] == "blocked" and "release" in record["reason"]
    assert replayed_paths(qa_log) == ["/__manifest"]


def test_watch_records_parity_over_time_in_the_audit_trail(shop, event_file: Path, tmp_path: Path) -> None:
    qa_url, _ = shop("--flag", "loyalty_points=on")
    audit = tmp_path / "audit.sqlite3"
    result = subprocess.run([sys.executable, "-m", "replay.cli", "parity", "--target", qa_url, "--event",
                             str(event_file), "--watch", "0.2", "--count", "2"], capture_output=True, text=True,
                            timeout=60, env={**os.environ, "REPLAY_AUDIT": str(audit)})
    assert result.returncode == 1
    assert result.stdout.count("parity of") == 2 and "flag loyalty_points" in result.stdout
    shown = replay("audit", "--audit", str(audit), "show", "--json")
    records = json.loads(shown.stdout) if shown.stdout.startswith("[") else [json.loads(x) for x in shown.stdout.splitlines()]
    assert [r["details"]["status"] for r in records if r["action"] == "parity"] == ["fail", "fail"]
