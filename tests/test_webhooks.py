"""connectors.webhooks: signature checks and unpacking of Sentry's documented webhook bodies."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from hypothesis import given
from hypothesis import strategies as st

from connectors.errors import ConnectorError, InputError
from connectors.schema import normalize_event
from connectors.webhooks import (
    IssueOnly,
    WebhookConfigError,
    WebhookError,
    WebhookIgnored,
    WebhookMissingSignatureError,
    WebhookSignatureError,
    WebhookStaleError,
    WebhookTimestampError,
    event_from_webhook,
    verify_signature,
)
from tests.sentry_api_server import FIXTURES, serve

SECRET = "client-secret-7d1e"
NOW = 1_700_000_000.0
BODY = (FIXTURES / "webhooks" / "webhook-event_alert.json").read_bytes()


def sign(body: bytes, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / "webhooks" / f"webhook-{name}.json").read_text())


# -- verify_signature ----------------------------------------------------------------------------

def test_a_valid_signature_and_fresh_timestamp_pass() -> None:
    verify_signature(BODY, sign(BODY), SECRET, str(int(NOW)), now=NOW)
    verify_signature(BODY, sign(BODY).upper() + "\n", SECRET, f" {NOW - 300} ", now=NOW)


@pytest.mark.parametrize("signature", [
    sign(BODY, "another-secret"), sign(BODY + b" "), "0" * 64, "abc", "sha256=" + sign(BODY),
    "\u00e9" * 64,
])
def test_a_wrong_signature_is_refused(signature: str) -> None:
    with pytest.raises(WebhookSignatureError, match="does not match") as info:
        verify_signature(BODY, signature, SECRET, str(int(NOW)), now=NOW)
    assert not isinstance(info.value, WebhookMissingSignatureError)
    assert SECRET not in str(info.value) and sign(BODY) not in str(info.value)


def test_a_reserialized_body_does_not_verify() -> None:
    reserialized = json.dumps(json.loads(BODY)).encode()
    with pytest.raises(WebhookSignatureError):
        verify_signature(reserialized, sign(BODY), SECRET, str(int(NOW)), now=NOW)


@pytest.mark.parametrize("signature", [None, "", "   "])
def test_a_missing_signature_is_refused(signature: str | None) -> None:
    with pytest.raises(WebhookMissingSignatureError, match="Sentry-Hook-Signature"):
        verify_signature(BODY, signature, SECRET, str(int(NOW)), now=NOW)


@pytest.mark.parametrize("timestamp", [None, "", "yesterday", "nan", "inf", "2022-03-06T11:31"])
def test_a_missing_or_unparseable_timestamp_is_refused(timestamp: str | None) -> None:
    with pytest.raises(WebhookTimestampError, match="Sentry-Hook-Timestamp") as info:
        verify_signature(BODY, sign(BODY), SECRET, timestamp, now=NOW)
    assert not isinstance(info.value, WebhookStaleError)


@pytest.mark.parametrize(("age", "word"), [(301, "old"), (86_400, "old"), (-301, "future")])
def test_a_stale_or_future_timestamp_is_refused(age: float, word: str) -> None:
    with pytest.raises(WebhookStaleError, match=word):
        verify_signature(BODY, sign(BODY), SECRET, str(int(NOW - age)), now=NOW)


def test_max_age_is_configurable() -> None:
    verify_signature(BODY, sign(BODY), SECRET, str(int(NOW - 900)), now=NOW, max_age=1000)
    with pytest.raises(WebhookStaleError):
        verify_signature(BODY, sign(BODY), SECRET, str(int(NOW - 61)), now=NOW, max_age=60)


def test_no_secret_is_a_configuration_error() -> None:
    with pytest.raises(WebhookConfigError, match="secret"):
        verify_signature(BODY, sign(BODY, ""), "", str(int(NOW)), now=NOW)


def test_webhook_errors_are_connector_errors() -> None:
    for cls in (WebhookConfigError, WebhookSignatureError, WebhookMissingSignatureError,
                WebhookTimestampError, WebhookStaleError, WebhookIgnored):
        assert issubclass(cls, ConnectorError)
    assert not issubclass(WebhookIgnored, InputError)


@given(signature=st.one_of(st.none(), st.text()), timestamp=st.one_of(st.none(), st.text()),
       body=st.binary(max_size=64))
def test_verify_signature_only_raises_webhook_errors(
        signature: str | None, timestamp: str | None, body: bytes) -> None:
    try:
        verify_signature(body, signature, SECRET, timestamp, now=NOW)
    except WebhookError:
        pass


# -- event_from_webhook --------------------------------------------------------------------------

def test_event_alert_yields_its_event() -> None:
    event = event_from_webhook("event_alert", webhook("event_alert"))
    assert isinstance(event, dict)
    assert event["event_id"] == "e4874d664c3540c1a32eab185f12c5ab"
    assert normalize_event(event)["request"]["url"] == "https://null.jsbin.com/runner"


def test_error_yields_its_event() -> None:
    body = webhook("error")
    event = event_from_webhook("error", body)
    assert event is body["data"]["error"]
    assert normalize_event(event)["request"]["url"] == "https://null.jsbin.com/runner"


def test_issue_created_says_to_fetch_the_latest_event() -> None:
    result = event_from_webhook("issue", webhook("issue-created"))
    assert result == IssueOnly(issue_id="1170820242", short_id="FRONT-END-9",
                               project_slug="front-end", action="created")


def test_other_issue_actions_and_resources_are_ignored_not_malformed() -> None:
    body = webhook("issue-created") | {"action": "resolved"}
    with pytest.raises(WebhookIgnored, match="resolved"):
        event_from_webhook("issue", body)
    with pytest.raises(WebhookIgnored, match="installation"):
        event_from_webhook("installation", {"action": "created", "data": {"installation": {}}})


@pytest.mark.parametrize(("resource", "body", "missing"), [
    ("event_alert", [], "JSON object"),
    ("event_alert", {"action": "triggered"}, "'data'"),
    ("event_alert", {"action": "triggered", "data": {"error": {}}}, "data.event"),
    ("error", {"action": "created", "data": {"event": {}}}, "data.error"),
    ("issue", {"action": "created", "data": {}}, "data.issue"),
    ("issue", {"action": "created", "data": {"issue": {"shortId": "X-1"}}}, "data.issue.id"),
    ("issue", {"action": "created", "data": {"issue": {"id": True}}}, "data.issue.id"),
])
def test_wrong_shapes_name_what_is_missing(resource: str, body: Any, missing: str) -> None:
    with pytest.raises(InputError, match=missing):
        event_from_webhook(resource, body)


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                     lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(st.sampled_from(["data", "action", "event", "error",
                                                        "issue", "id", "x"]), inner, max_size=4),
                     max_leaves=12)


@given(resource=st.sampled_from(["event_alert", "error", "issue", "comment", ""]), body=_JSON)
def test_event_from_webhook_only_raises_input_error_or_ignored(resource: str, body: Any) -> None:
    try:
        result = event_from_webhook(resource, body)
    except (InputError, WebhookIgnored):
        return
    assert isinstance(result, (dict, IssueOnly))


# -- over real HTTP: a receiver verifies the raw body it was sent --------------------------------

def _receiver() -> FastAPI:
    app = FastAPI()

    @app.post("/sentry")
    async def receive(request: Request) -> JSONResponse:
        raw = await request.body()
        try:
            verify_signature(raw, request.headers.get("sentry-hook-signature"), SECRET,
                             request.headers.get("sentry-hook-timestamp"))
            result = event_from_webhook(request.headers.get("sentry-hook-resource", ""),
                                        json.loads(raw))
        except WebhookError as exc:
            return JSONResponse({"error": type(exc).__name__}, status_code=401)
        if isinstance(result, IssueOnly):
            return JSONResponse({"fetch_issue": result.issue_id})
        return JSONResponse({"event_id": result["event_id"]})

    return app


def test_a_receiver_accepts_sentrys_delivery_and_rejects_a_forgery() -> None:
    with serve(_receiver()) as url:
        for name, resource, expected in [
            ("event_alert", "event_alert", {"event_id": "e4874d664c3540c1a32eab185f12c5ab"}),
            ("issue-created", "issue", {"fetch_issue": "1170820242"}),
        ]:
            body = (FIXTURES / "webhooks" / f"webhook-{name}.json").read_bytes()
            headers = {"Content-Type": "application/json", "Sentry-Hook-Resource": resource,
                       "Sentry-Hook-Timestamp": str(int(time.time())),
                       "Sentry-Hook-Signature": sign(body)}
            assert httpx.post(f"{url}/sentry", content=body, headers=headers).json() == expected
            forged = httpx.post(f"{url}/sentry", content=body.replace(b"{", b"{ ", 1),
                                headers=headers)
            assert (forged.status_code, forged.json()) == (401, {"error": "WebhookSignatureError"})
