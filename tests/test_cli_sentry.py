"""`replay sentry ISSUE`: fetch from the (local, documented-response) Sentry API, sanitize, replay."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.production import capture_bug_events
from tests.sentry_api_server import ISSUE_ID, ORG, TOKEN, run_sentry_server


def api_shape(event: dict, event_id: str) -> dict:
    """A stored event as Sentry's web API returns it: camelCase ids and an `entries` list."""
    entries = [{"type": "exception", "data": event["exception"]}, {"type": "request", "data": event["request"]}]
    rest = {k: v for k, v in event.items() if k not in ("exception", "request", "event_id")}
    return {**rest, "id": event_id, "eventID": event_id, "entries": entries, "groupID": ISSUE_ID}


@pytest.fixture(scope="module")
def sentry_with_shop_events():
    events = capture_bug_events("non_ascii_name", "amex_card")
    with run_sentry_server() as fake:
        fake.events = [api_shape(events["non_ascii_name"], "a" * 32), api_shape(events["amex_card"], "b" * 32)]
        yield fake, events


def run_sentry(fake, *args: str, token: str = TOKEN) -> subprocess.CompletedProcess:
    env = {**os.environ, "SENTRY_URL": fake.url, "SENTRY_ORG": ORG, "SENTRY_AUTH_TOKEN": token,
           "REPLAY_SECRET_KEY": "k"}
    return subprocess.run([sys.executable, "-m", "replay.cli", "sentry", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_latest_event_of_an_issue_reproduces_on_qa(sentry_with_shop_events, shop) -> None:
    fake, events = sentry_with_shop_events
    qa_url, qa_log = shop()
    result = run_sentry(fake, ISSUE_ID, "--target", qa_url, "--json")
    assert result.returncode == 0, result.stderr
    row = json.loads(result.stdout)
    assert row["verdict"] == "reproduced" and row["request"] == {"method": "POST", "path": "/api/checkout"}
    assert "Zoë Ångström" not in qa_log.read_text(encoding="utf-8")
    assert fake.requests_to(fake.event_path("latest"))[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_all_events_with_an_issue_url(sentry_with_shop_events, shop) -> None:
    fake, _ = sentry_with_shop_events
    qa_url, _ = shop("--fixed", "amex_card")
    url = f"{fake.url}/organizations/{ORG}/issues/{ISSUE_ID}/"
    result = run_sentry(fake, url, "--event", "all", "--target", qa_url, "--json")
    assert result.returncode == 0, result.stderr
    verdicts = [json.loads(line)["verdict"] for line in result.stdout.splitlines()]
    assert verdicts == ["reproduced", "not_reproduced"]
    alone = run_sentry(fake, url, "--limit", "1", "--target", qa_url, "--json")  # once silently ignored
    assert alone.returncode == 2 and "--limit goes with --event all" in alone.stderr and not alone.stdout


def test_wrong_token_is_one_clear_line(sentry_with_shop_events, shop) -> None:
    fake, _ = sentry_with_shop_events
    qa_url, _ = shop()
    result = run_sentry(fake, ISSUE_ID, "--target", qa_url, token="wrong-token")
    assert result.returncode == 2
    assert "SENTRY_AUTH_TOKEN" in result.stderr and "Traceback" not in result.stderr
    assert "wrong-token" not in result.stderr
