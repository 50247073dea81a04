"""`replay policy`: lint catches each problem class, explain names every rule, test and report
count what the policy does on real Sentry fixtures without ever printing an original value."""

from __future__ import annotations

import glob
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from replay.audit import AuditTrail
from replay.policy_cli import policy_group
from sanitizers import load_policy

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "sanitizers" / "default_policy.yaml"
FIXTURES = sorted(glob.glob("/work/shared/fixtures/sentry/events/*.json"))


def _user_values(key: str) -> list[str]:
    values = []
    for path in FIXTURES:
        event = json.loads(Path(path).read_text("utf-8"))
        user = event.get("user") or event.get("sentry.interfaces.User") or {}
        if isinstance(user.get(key), str):
            values.append(user[key])
    return values


EMAILS = _user_values("email")
PUBLIC_IPS = [ip for ip in _user_values("ip_address") if not ip.startswith(("127.", "::", "0:"))]


@pytest.fixture(scope="module")
def events(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not FIXTURES:
        pytest.skip("shared Sentry fixtures are missing")
    out = tmp_path_factory.mktemp("events") / "events.jsonl"
    out.write_text("".join(json.dumps(json.loads(Path(p).read_text("utf-8"))) + "\n" for p in FIXTURES), "utf-8")
    return out


def _policy(tmp_path: Path, rules: list[dict], safe_paths: list[str] | None = None, name: str = "p.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"version": 1, "name": "t", "safe_paths": safe_paths or [], "rules": rules}), "utf-8")
    return path


def _invoke(*args: str):
    return CliRunner().invoke(policy_group, [str(a) for a in args], catch_exceptions=False)


def test_lint_passes_the_default_policy() -> None:
    result = _invoke("lint", DEFAULT)
    assert result.exit_code == 0, result.output
    assert "0 error(s)" in result.output


@pytest.mark.parametrize("rules, safe, expected", [
    ([{"id": "bad-action", "action": "shred", "keys": ["email"]}], None, "unknown action 'shred'"),
    ([{"id": "bad-detector", "detectors": ["EMAIL", "PERSON"]}], None, "unknown detector 'EMAIL'"),
    ([{"id": "bad-regex", "patterns": ["(abc"]}], None, "invalid regex /(abc/"),
    ([{"id": "redos", "patterns": ["(a+)+$"]}], None, "catastrophic backtracking"),
    ([{"id": "redos-dot", "patterns": ["x(.*)*y"]}], None, "catastrophic backtracking"),
    ([{"id": "empty-where", "keys": ["email"], "where": [""]}], None, "can never apply"),
    ([{"id": "safe-where", "keys": ["email"], "where": ["release"]}], ["release"], "inside the safe paths"),
    ([{"id": "keep-email", "action": "keep", "keys": ["email"]},
      {"id": "email-fields", "entity": "EMAIL_ADDRESS", "keys": ["email"]}], None,
     "keep rule shadows personal-data rule 'email-fields'"),
    ([{"id": "keep-ips", "action": "keep", "detectors": ["IP_ADDRESS"], "where": ["request.**"]},
      {"id": "ips", "detectors": ["IP_ADDRESS"]}], None, "keep rule shadows personal-data rule 'ips'"),
], ids=["action", "detector", "regex", "nested-quantifier", "nested-dot-star", "empty-selector",
        "safe-selector", "keep-shadows-keys", "keep-shadows-detector"])
def test_lint_reports_each_error_class(tmp_path: Path, rules: list[dict], safe: list[str] | None, expected: str) -> None:
    result = _invoke("lint", _policy(tmp_path, rules, safe))
    assert result.exit_code == 1, result.output
    assert expected in " ".join(result.output.split()).replace("│ │", ""), result.output


def test_lint_warns_but_passes_on_overlaps_and_dead_rules(tmp_path: Path) -> None:
    rules = [{"id": "mail-hash", "action": "hash", "keys": ["email"]},
             {"id": "mail-fake", "keys": ["email"]},
             {"id": "alt", "patterns": ["(a|ab)*c"]},
             {"id": "ips-mask", "action": "mask", "detectors": ["IP_ADDRESS"]},
             {"id": "ips-fake", "detectors": ["IP_ADDRESS"], "where": ["request.**"]}]
    result = _invoke("lint", _policy(tmp_path, rules))
    text = " ".join(result.output.split())
    assert result.exit_code == 0, result.output
    assert "different action" in text and "can never match" in text and "backtracking risk" in text
    assert "overlaps 'ips-mask' on detectors IP_ADDRESS" in text


def test_lint_reports_invalid_yaml(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("rules: [\n  - id: x\n", "utf-8")
    result = _invoke("lint", path)
    assert result.exit_code == 1 and "not valid YAML" in result.output


def test_explain_lists_every_rule_and_the_safe_paths() -> None:
    result = _invoke("explain", DEFAULT)
    assert result.exit_code == 0
    for rule in load_policy(DEFAULT).rules:
        assert rule.id in result.output
    assert "replaced by a consistent fake" in result.output and "contexts.runtime.**" in result.output
    from replay.policy_report import describe_rule
    person = next(r for r in load_policy(DEFAULT).rules if r.id == "person-name-in-person")
    assert "inside an object named user, customer" in describe_rule(person)
    assert "or in an object that also holds email, email_address" in describe_rule(person)


def test_dry_run_counts_changes_without_showing_values(events: Path, tmp_path: Path) -> None:
    result = _invoke("test", DEFAULT, "--events", events, "--json", "--audit", tmp_path / "a.sqlite3")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["events"] == len(FIXTURES) and data["changes"] > 0
    by_rule = {row["rule"]: row["detections"] for row in data["by_rule"]}
    assert by_rule["email-fields"] >= 1 and by_rule["ip-address-fields"] >= 1
    assert all("*" not in row["path"] or ".*" in row["path"] for row in data["by_path"])
    paths = {row["path"] for row in data["by_path"]}
    assert "request.headers.X-Original-For" in paths  # pair-list headers are named, not numbered
    table = _invoke("test", DEFAULT, "--events", events, "--audit", tmp_path / "a.sqlite3").output
    for value in EMAILS + PUBLIC_IPS:
        assert value not in result.output and value not in table
    assert [r.action for r in AuditTrail(tmp_path / "a.sqlite3").records()] == ["policy_test", "policy_test"]


def test_keys_that_are_data_never_reach_the_output(tmp_path: Path) -> None:
    event = {"user": {"email": "jane.doe@example.com"},
             "extra": {"jane.doe@example.com": {"card": "4111 1111 1111 1111"}, "Jane Doe": "jane.doe@example.com"}}
    events = tmp_path / "one.json"
    events.write_text(json.dumps(event), "utf-8")
    result = _invoke("test", DEFAULT, "--events", events, "--json", "--audit", tmp_path / "a.sqlite3")
    assert json.loads(result.output)["changes"] >= 2
    for value in ("jane.doe", "Jane Doe", "4111"):
        assert value not in result.output


def test_against_an_older_policy_shows_the_removed_rule(events: Path, tmp_path: Path) -> None:
    full = yaml.safe_load(DEFAULT.read_text("utf-8"))
    full["rules"] = [r for r in full["rules"] if r["id"] != "email-fields"]
    smaller = tmp_path / "smaller.yaml"
    smaller.write_text(yaml.safe_dump(full), "utf-8")
    # The path once went into each table title, which wraps at the table's width and split "rule delta".
    older = tmp_path / "checkout" / "default.yaml"
    older.parent.mkdir()
    older.write_text(DEFAULT.read_text("utf-8"), "utf-8")
    result = _invoke("test", smaller, "--events", events, "--against", older, "--json", "--audit", tmp_path / "a.sqlite3")
    diff = json.loads(result.output)["against"]
    email = next(row for row in diff["rule_delta"] if row["rule"] == "email-fields")
    assert email["new"] == 0 and email["old"] >= 1 and email["delta"] == -email["old"]
    assert any(row["rule"] == "email-fields" and row["only_in"] == "old" for row in diff["paths_only_in_one"])
    human = _invoke("test", smaller, "--events", events, "--against", older, "--audit", tmp_path / "a.sqlite3").output
    titles = {line.strip() for line in human.splitlines()}
    assert {"rule delta", "entity delta", "paths only in one"} <= titles and "email-fields" in human


def test_report_is_self_contained_html_without_values(events: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = _invoke("report", DEFAULT, "--events", events, "--html", out, "--audit", tmp_path / "a.sqlite3")
    assert result.exit_code == 0, result.output
    page = out.read_text("utf-8")
    policy = load_policy(DEFAULT)
    assert policy.hash in page and "<svg" in page and "rgba(220,38,38" in page
    assert all(rule.id in page for rule in policy.rules)
    assert "src=\"http" not in page and "<link" not in page and "<script" not in page
    for value in EMAILS + PUBLIC_IPS:
        assert value not in page
    record = AuditTrail(tmp_path / "a.sqlite3").records()[-1]
    assert record.action == "policy_report" and record.policy_hash == policy.hash


def test_missing_events_file_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(policy_group, ["test", str(DEFAULT), "--events", str(tmp_path / "none.jsonl")])
    assert result.exit_code == 2


def test_unreadable_sample_events_are_named_on_stderr_and_fail_the_run(events: Path, tmp_path: Path) -> None:
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text(events.read_text().splitlines()[0] + "\n{broken\n")
    for args in (["test", DEFAULT, "--events", mixed], ["test", DEFAULT, "--events", mixed, "--json"],
                 ["report", DEFAULT, "--events", mixed, "--html", tmp_path / "r.html"]):
        result = CliRunner().invoke(policy_group, [str(a) for a in args])
        assert result.exit_code == 1, result.output
        assert "mixed.jsonl:2: not valid JSON" in result.stderr
        assert "--json" in args or "not valid JSON" not in result.stdout  # the JSON report lists them too
