"""`replay serve`'s API fuzzed from its own OpenAPI description (schemathesis).

Every operation gets generated requests, valid and invalid, in-process over ASGI: no 5xx, and every
response (status, content type, body) must be one the description documents. CI draws a fixed
sample (the hypothesis "ci" profile derandomizes); SCHEMATHESIS_EXAMPLES=500 explores by hand.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from replay.serve import ReplayService, ServeSettings, create_app
from replay.target import target_from_url
from sanitizers import Sanitizer
from tests.test_serve import AUTH, KEY, SECRET, UNREACHABLE, signed

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "40"))
WEBHOOK = "/webhooks/sentry"
# Bodies whose grammar JSON Schema cannot state (an envelope's lines; a webhook whose shape depends
# on its resource header): a schema-valid one may still be refused, so that one check is skipped.
UNSTATED_GRAMMAR = {"/api/{project_id}/envelope/", WEBHOOK}

schemathesis.serializer.alias("application/x-sentry-envelope", "application/octet-stream")


class IngestOnly(ReplayService):
    """The API without its worker: replaying is not under test here, and a worker importing the
    sanitizer's libraries while generation imports them too races in importlib."""

    def start(self) -> None:
        pass


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The real app on an unreachable target, with a small queue so 429 is reached too."""
    home = tmp_path_factory.mktemp("schemathesis")
    settings = ServeSettings(target=target_from_url(UNREACHABLE), store_path=home / "results.sqlite3",
                             audit_path=home / "audit.sqlite3", dsn_keys=(KEY,), webhook_secret=SECRET,
                             sanitizer=Sanitizer(key=b"schemathesis-key"), queue_size=20)
    app = create_app(settings, IngestOnly(settings))
    yield schemathesis.openapi.from_asgi("/openapi.json", app)
    app.state.service.close()


def authenticated(case: Any) -> dict[str, str]:
    """Credentials, so generated requests reach past the auth checks: a DSN key for ingest; for a
    webhook, the body serialized here and the signature and timestamp headers the case has (if
    any: a case without them tests their absence) made valid for it."""
    if case.operation.path != WEBHOOK:
        return dict(AUTH) if case.operation.path.startswith("/api/{project_id}") else {}
    if isinstance(case.body, (dict, list)):
        case.body, case.media_type = json.dumps(case.body).encode(), "application/octet-stream"
    if not isinstance(case.body, bytes):
        return {}
    valid = signed(case.body)
    return {name: valid[name] for name in ("Sentry-Hook-Signature", "Sentry-Hook-Timestamp")
            if name in (case.headers or {})}


def exercise(operation: Any) -> None:
    """Valid and invalid requests for one operation, each response checked against the description."""
    excluded = [positive_data_acceptance] if operation.path in UNSTATED_GRAMMAR else []

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.one_of([operation.as_strategy(mode) for mode in GenerationMode]))
    def check(case: Any) -> None:
        case.call_and_validate(headers=authenticated(case), excluded_checks=excluded)

    check()


def test_every_operation_answers_within_its_description(api: Any, subtests: Any) -> None:
    for result in api.get_all_operations():
        operation = result.ok()
        with subtests.test(msg=operation.label):
            exercise(operation)
