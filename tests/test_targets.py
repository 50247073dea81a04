"""Named targets from replay.toml: allow-list, deny-list, injected credentials, host maps."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from replay.config import resolve_target
from replay.errors import ConfigError
from tests.production import capture_bug_events


@pytest.fixture(scope="module")
def leap_event() -> dict:
    return capture_bug_events("leap_birthday")["leap_birthday"]


def run_with_config(tmp_path: Path, config: str, target: str, event: dict, **env: str) -> subprocess.CompletedProcess:
    (tmp_path / "replay.toml").write_text(config)
    (tmp_path / "event.json").write_text(json.dumps(event))
    return subprocess.run([sys.executable, "-m", "replay.cli", "run", "event.json", "--target", target, "--json"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "REPLAY_SECRET_KEY": "k", "PYTHONPATH": str(Path.cwd()), **env})


def test_named_target_injects_credentials_from_the_environment(tmp_path: Path, shop, leap_event: dict) -> None:
    qa_url, qa_log = shop()
    config = f'[targets.qa]\nbase_url = "{qa_url}"\nheaders = {{ "X-QA-Token" = "${{QA_TOKEN}}" }}\n'
    result = run_with_config(tmp_path, config, "qa", leap_event, QA_TOKEN="qa-secret-1")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["verdict"] == "reproduced"
    requests = [json.loads(line) for line in qa_log.read_text().splitlines()]
    replayed = next(r for r in requests if r["path"] != "/__manifest")
    headers = replayed["headers"]
    assert any(k.lower() == "x-qa-token" and v == "qa-secret-1" for k, v in (headers.items() if isinstance(headers, dict) else headers))


def test_host_outside_the_allow_list_is_blocked_and_nothing_is_sent(tmp_path: Path, shop, leap_event: dict) -> None:
    qa_url, qa_log = shop()
    config = f'[targets.qa]\nbase_url = "{qa_url}"\nallowed_hosts = ["qa.internal"]\n'
    result = run_with_config(tmp_path, config, "qa", leap_event)
    assert json.loads(result.stdout)["verdict"] == "blocked" and result.returncode == 1
    assert "allowed hosts" in json.loads(result.stdout)["reason"]
    assert not qa_log.exists() or qa_log.read_text() == ""


def test_denied_production_host_is_never_contacted(tmp_path: Path, shop, leap_event: dict) -> None:
    qa_url, qa_log = shop()
    config = f'[targets.qa]\nbase_url = "{qa_url}"\ndenied_hosts = ["127.0.0.1"]\n'
    result = run_with_config(tmp_path, config, "qa", leap_event)
    assert json.loads(result.stdout)["verdict"] == "blocked"
    assert not qa_log.exists() or qa_log.read_text() == ""


def test_host_map_sends_each_production_host_to_its_qa_url(tmp_path: Path, shop, leap_event: dict) -> None:
    qa_url, qa_log = shop()
    production_host = leap_event["request"]["url"].split("/")[2].split(":")[0]
    config = (f'[targets.qa]\nbase_url = "http://127.0.0.2:9"\nallowed_hosts = ["127.0.0.1", "127.0.0.2"]\n'
              f'[targets.qa.host_map]\n"{production_host}" = "{qa_url}"\n')
    result = run_with_config(tmp_path, config, "qa", leap_event)
    assert json.loads(result.stdout)["verdict"] == "reproduced", result.stderr
    assert qa_log.read_text().count("\n") == 1


def test_config_errors_name_file_key_and_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "replay.toml"
    path.write_text('[targets.qa]\nbase_url = "http://127.0.0.1:1"\nheaders = { "X-T" = "${NOT_SET_ANYWHERE}" }\n')
    with pytest.raises(ConfigError, match=r"targets\.qa\.headers\.X-T: environment variable NOT_SET_ANYWHERE"):
        resolve_target("qa", str(path))
    monkeypatch.setenv("NOT_SET_ANYWHERE", "x")
    with pytest.raises(ConfigError, match=r"no target named 'prod' \(targets: qa\)"):
        resolve_target("prod", str(path))
    path.write_text('[targets.qa]\nbase_url = "http://127.0.0.1:1"\n[targets.staging]\nbase_url = "http://127.0.0.1:2"\n'
                    'headers = { "X-T" = "${ALSO_NOT_SET}" }\n')
    assert resolve_target("qa", str(path)).base_url == "http://127.0.0.1:1", "another target's variable is no concern"
    with pytest.raises(ConfigError, match=r"no target named 'prod' \(targets: qa, staging\)"):
        resolve_target("prod", str(path))
    path.write_text('[targets.qa]\nbase_url = "ftp://x"\n')
    with pytest.raises(ConfigError, match="is not an http"):
        resolve_target("qa", str(path))
    path.write_text("[targets.qa\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        resolve_target("qa", str(path))


@pytest.mark.parametrize(("line", "message"), [
    ('denied_hosts = "127.0.0.1"', r"denied_hosts: expected a list of strings"),  # was a set of characters: no host denied
    ('allowed_hosts = "127.0.0.1"', r"allowed_hosts: expected a list of strings"),
    ('methods = "POST"', r"methods: expected a list of strings"),
    ("methods = [1]", r"methods: expected a list of strings"),
    ("timeout = nan", r"timeout: expected a positive number"),
    ("timeout = inf", r"timeout: expected a positive number"),
    ('qa_report_wait = "x"', r"qa_report_wait: expected a non-negative number"),
    ('manifest = "http://[::1"', r"is not an http\(s\) URL"),
    ('host_map = { "shop.example.com" = "http://127.0.0.1:99999" }', r"is not an http\(s\) URL"),
])
def test_a_value_of_the_wrong_type_is_a_config_error(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "replay.toml"
    path.write_text(f'[targets.qa]\nbase_url = "http://127.0.0.1:1"\n{line}\n')
    with pytest.raises(ConfigError, match=message):
        resolve_target("qa", str(path))


@pytest.mark.parametrize("url", ["http://[::1", "http://127.0.0.1:99999", "ftp://127.0.0.1", " http://127.0.0.1:1",
                                 "http://127.0.0.1:1/\n", "http://127.0.0.1:1/q a"])
def test_a_target_url_that_is_no_url_is_a_config_error(url: str) -> None:
    with pytest.raises(ConfigError, match="expected an http"):
        resolve_target(url)


def test_cli_config_error_is_one_line(tmp_path: Path, leap_event: dict) -> None:
    result = run_with_config(tmp_path, '[targets.qa]\nbase_url = "x"\n', "qa", leap_event)
    assert result.returncode == 2 and "targets.qa" in result.stderr and "Traceback" not in result.stderr
