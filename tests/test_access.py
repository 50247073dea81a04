"""Access control: bearer tokens with roles for serve's API, actors per target, denials audited."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from replay.access import AccessDenied, AccessPolicy, load_access
from replay.audit import AuditTrail
from replay.errors import ConfigError
from tests.production import capture_bug_events


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


POLICY = AccessPolicy(((digest("view-token"), "carol", "viewer"), (digest("dpo-token"), "dana", "privacy-officer")))


def test_roles_are_ordered_and_unknown_tokens_refused() -> None:
    assert POLICY.authorize("Bearer dpo-token", "viewer") == "dana"
    with pytest.raises(AccessDenied) as denied:
        POLICY.authorize("Bearer view-token", "privacy-officer")
    assert denied.value.status == 403 and denied.value.actor == "carol"
    for header in (None, "Basic abc", "Bearer nope"):
        with pytest.raises(AccessDenied) as denied:
            POLICY.authorize(header, "viewer")
        assert denied.value.status == 401


def test_tokens_are_configured_as_hashes(tmp_path: Path) -> None:
    path = tmp_path / "replay.toml"
    path.write_text(f'[access.tokens]\n"sha256:{digest("t")}" = {{ actor = "ci", role = "viewer" }}\n')
    assert load_access(path).authorize("Bearer t", "viewer") == "ci"
    path.write_text('[access.tokens]\n"plain-token" = { actor = "ci", role = "viewer" }\n')
    with pytest.raises(ConfigError, match="the hash, never the token"):
        load_access(path)


def test_serve_api_needs_tokens_and_audits_denials(start_server, tmp_path: Path) -> None:
    url, service = start_server(worker=False, access=POLICY)
    assert httpx.get(f"{url}/api/results").status_code == 401
    assert httpx.get(f"{url}/api/results", headers={"Authorization": "Bearer view-token"}).status_code == 200
    assert httpx.get(f"{url}/api/audit", headers={"Authorization": "Bearer view-token"}).status_code == 403
    answer = httpx.get(f"{url}/api/audit", headers={"Authorization": "Bearer dpo-token"})
    assert answer.status_code == 200 and answer.json()["verified"] is True
    denied = [r for r in answer.json()["records"] if r["action"] == "denied"]
    assert [(r["actor"], r["details"]["endpoint"]) for r in denied] == [("anonymous", "/api/results"),
                                                                         ("carol", "/api/audit")]
    assert "view-token" not in json.dumps(answer.json())
    assert httpx.get(f"{url}/health").status_code == 200


def test_a_target_names_who_may_replay_into_it(tmp_path: Path, shop) -> None:
    event = capture_bug_events("leap_birthday")["leap_birthday"]
    (tmp_path / "event.json").write_text(json.dumps(event))
    qa_url, qa_log = shop()
    (tmp_path / "replay.toml").write_text(f'[targets.qa]\nbase_url = "{qa_url}"\nactors = ["alice"]\n')
    audit = tmp_path / "audit.sqlite3"

    def run(actor: str) -> dict:
        result = subprocess.run([sys.executable, "-m", "replay.cli", "run", "event.json", "--target", "qa", "--json"],
                                cwd=tmp_path, capture_output=True, text=True, timeout=120,
                                env={**os.environ, "REPLAY_SECRET_KEY": "k", "REPLAY_ACTOR": actor,
                                     "REPLAY_AUDIT": str(audit), "PYTHONPATH": str(Path.cwd())})
        return json.loads(result.stdout)

    refused = run("mallory")
    assert refused["verdict"] == "blocked" and "actor 'mallory' may not replay into target 'qa'" in refused["reason"]
    assert not qa_log.exists() or qa_log.read_text() == ""
    assert run("alice")["verdict"] == "reproduced"
    trail = AuditTrail(audit)
    assert [(r.action, r.actor) for r in trail.records()] == [("denied", "mallory"), ("replay", "alice")]
    trail.close()
