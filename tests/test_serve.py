"""`replay serve`: sentry-sdk envelopes and signed webhooks in, sanitized verdicts out.

Real parts only: the app runs under uvicorn on 127.0.0.1, a real sentry-sdk client sends to it by
DSN, and the QA target is the example shop in a subprocess.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
import logging
import time
import uuid
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sentry_sdk

from tests.sentry_api_server import FIXTURES, ISSUE_ID, ORG, TOKEN, FakeSentry

KEY = "0123456789abcdef0123456789abcdef"
SECRET = "client-secret-serve-5b2"
PLANTED = ("Zoë Ångström", "jane.doe@example.com", "4111 1111 1111 1111", "+1 555 0100",
           "1 Main Street, Springfield", "planted.secret@leak.example")
AUTH = {"X-Sentry-Auth": f"Sentry sentry_version=7, sentry_key={KEY}, sentry_client=test/1.0"}
UNREACHABLE = "http://127.0.0.1:9"  # discard port: nothing listens there

Server = tuple[str, Any]  # (base URL, ReplayService)


@pytest.fixture(autouse=True)
def no_planted_value_in_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.INFO)
    yield
    text = caplog.text + "".join(str(r.args) for r in caplog.records)
    for value in PLANTED:
        for form in {value, json.dumps(value)[1:-1], value.replace(" ", "")}:
            assert form not in text, "a planted value reached the logs"


def envelope(event: dict[str, Any] | None = None, *, items: list[tuple[dict, bytes]] = ()) -> bytes:
    event = event if event is not None else make_event()
    lines = [json.dumps({"event_id": event["event_id"]}).encode()]
    payload = json.dumps(event).encode()
    lines += [json.dumps({"type": "event", "length": len(payload)}).encode(), payload]
    for headers, body in items:
        lines += [json.dumps({**headers, "length": len(body)}).encode(), body]
    return b"\n".join(lines) + b"\n"


def make_event(**extra: Any) -> dict[str, Any]:
    return {"event_id": uuid.uuid4().hex, "platform": "python", "level": "error",
            "user": {"email": PLANTED[5]},
            "request": {"method": "POST", "url": "https://shop.example.com/api/checkout",
                        "headers": {"Content-Type": "application/json"},
                        "data": {"customer": {"name": PLANTED[0], "email": PLANTED[1]}}},
            "exception": {"values": [{"type": "ValueError", "value": f"bad name {PLANTED[0]}"}]},
            **extra}


def post(url: str, body: bytes, *, headers: dict[str, str] | None = None, path: str = "/api/1/envelope/",
         params: dict[str, str] | None = None) -> httpx.Response:
    return httpx.post(url + path, content=body, headers=AUTH if headers is None else headers,
                      params=params, timeout=10)


def wait_for(predicate: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


# -- a real sentry-sdk client ---------------------------------------------------------------------

def test_a_sentry_sdk_error_is_received_sanitized_replayed_and_stored(
        start_server: Callable[..., Server], shop: Callable[..., tuple[str, Path]]) -> None:
    from examples.shop import BUGS, create_app as create_shop, init_sentry, serve_in_thread

    qa_url, qa_log = shop()
    url, service = start_server(qa_url)
    port = url.rsplit(":", 1)[1]
    init_sentry(dsn=f"http://{KEY}@127.0.0.1:{port}/1")
    production = create_shop(release="shop@1.4.2")
    production.logger.disabled = True  # production's own error log holds raw values
    logging.getLogger("werkzeug").disabled = True
    shop_url, shutdown = serve_in_thread(production)
    try:
        example = BUGS["non_ascii_name"].example
        status = httpx.request(example["method"], shop_url + example["path"], json=example["json"],
                               timeout=10).status_code
        assert status == 500
        assert sentry_sdk.flush(timeout=10) is not False
    finally:
        shutdown()
        sentry_sdk.get_client().close()
        sentry_sdk.init()
        logging.getLogger("werkzeug").disabled = False

    def reproduced() -> list[dict]:
        results = httpx.get(url + "/api/results", params={"limit": 10}).json()["results"]
        return [r for r in results if r["verdict"] == "reproduced"]

    (record,) = wait_for(reproduced)
    assert record["request"] == {"method": "POST", "path": "/api/checkout"}
    assert record["project"] == "1" and record["via"] == "envelope"
    assert httpx.get(f"{url}/api/results/{record['event_id']}").json() == record
    seen = qa_log.read_text("utf-8")
    assert "Zoë Ångström" not in seen and "Zo\\u00eb \\u00c5ngstr\\u00f6m" not in seen
    stored = (service.store.path.read_bytes())
    assert "Zoë Ångström".encode() not in stored
    health = httpx.get(url + "/health").json()
    assert health["status"] == "ok" and health["counters"]["verdict_reproduced"] == 1


# -- bad input ------------------------------------------------------------------------------------

@pytest.mark.parametrize("headers,params", [
    ({"X-Sentry-Auth": "Sentry sentry_version=7, sentry_key=ffffffffffffffffffffffffffffffff"}, None),
    ({}, None),
    ({}, {"sentry_key": "wrong"}),
    ({"X-Sentry-Auth": "Sentry sentry_version=7"}, None),
])
def test_a_wrong_or_missing_dsn_key_gets_401(start_server: Callable[..., Server],
                                              headers: dict, params: dict | None) -> None:
    url, service = start_server(worker=False)
    response = post(url, envelope(), headers=headers, params=params)
    assert response.status_code == 401
    assert service.queue.qsize() == 0


def test_the_key_may_come_in_the_query_string(start_server: Callable[..., Server]) -> None:
    url, service = start_server(worker=False)
    event = make_event()
    response = post(url, envelope(event), headers={}, params={"sentry_key": KEY})
    assert response.status_code == 200 and response.json() == {"id": event["event_id"]}
    assert service.queue.qsize() == 1


@pytest.mark.parametrize("body", [
    b"", b"not json at all\n", b'{"event_id": "nope"}\n{"type": "event"}\n{}\n',
    b'{}\n{"type": "event", "length": 50}\n{"truncated": ', b'{}\n{"type": "event"}\n[1, 2]\n',
    b'{}\n{"type": "event"}\n{"event_id": "' + PLANTED[0].encode() + b'"}\n',
    b'{}\nnot-a-header\n',
])
def test_a_corrupt_envelope_gets_400_and_the_server_keeps_serving(
        start_server: Callable[..., Server], body: bytes) -> None:
    url, service = start_server(worker=False)
    assert post(url, body).status_code == 400
    assert service.queue.qsize() == 0
    assert httpx.get(url + "/health").json()["status"] == "ok"
    assert post(url, envelope()).status_code == 200


def test_a_gzip_envelope_is_accepted_and_a_truncated_one_gets_400(start_server: Callable[..., Server]) -> None:
    url, service = start_server(worker=False)
    packed = gzip.compress(envelope())
    headers = {**AUTH, "Content-Encoding": "gzip"}
    assert post(url, packed[: len(packed) // 2], headers=headers).status_code == 400
    assert post(url, packed[:-4], headers=headers).status_code == 400  # no length trailer
    assert post(url, b"\x1f\x8b garbage", headers=headers).status_code == 400
    assert post(url, packed, headers=headers).status_code == 200
    deflated = zlib.compress(envelope())
    assert post(url, deflated, headers={**AUTH, "Content-Encoding": "deflate"}).status_code == 200
    assert post(url, envelope(), headers={**AUTH, "Content-Encoding": "compress"}).status_code == 415
    assert service.queue.qsize() == 2


def test_brotli_envelopes_are_accepted_and_broken_or_bombing_ones_refused(start_server: Callable[..., Server]) -> None:
    import brotli

    url, service = start_server(worker=False, max_decompressed_bytes=64 * 1024)
    headers = {**AUTH, "Content-Encoding": "br"}
    packed = brotli.compress(envelope())
    assert post(url, packed, headers=headers).status_code == 200
    assert post(url, packed[: len(packed) // 2], headers=headers).status_code == 400
    assert post(url, brotli.compress(b"\n" * (1024 * 1024)), headers=headers).status_code == 413
    assert service.queue.qsize() == 1


def test_oversized_bodies_and_decompression_bombs_get_413(start_server: Callable[..., Server]) -> None:
    url, service = start_server(worker=False, max_body_bytes=4096, max_decompressed_bytes=64 * 1024,
                                max_ratio=20)
    big = envelope(make_event(extra={"padding": "x" * 8000}))
    assert post(url, big).status_code == 413
    bomb = gzip.compress(b"{}\n" + b" " * 200_000)  # ~200 kB from a few hundred bytes
    assert len(bomb) < 4096
    assert post(url, bomb, headers={**AUTH, "Content-Encoding": "gzip"}).status_code == 413
    ratio = gzip.compress(envelope(make_event(extra={"padding": "y" * 30_000})))  # under the size cap
    assert post(url, ratio, headers={**AUTH, "Content-Encoding": "gzip"}).status_code == 413
    assert service.queue.qsize() == 0
    assert post(url, envelope()).status_code == 200


def test_other_item_types_are_accepted_and_dropped(start_server: Callable[..., Server]) -> None:
    url, service = start_server(worker=False)
    session = json.dumps({"sid": str(uuid.uuid4()), "did": PLANTED[1]}).encode()
    only_other = b"{}\n" + json.dumps({"type": "session"}).encode() + b"\n" + session + b"\n" \
        + json.dumps({"type": "made_up_type", "length": 3}).encode() + b"\nabc\n"
    response = post(url, only_other)
    assert response.status_code == 200 and response.json() == {}
    event = make_event()
    mixed = envelope(event, items=[({"type": "attachment", "filename": "a.txt"}, PLANTED[0].encode())])
    assert post(url, mixed).json() == {"id": event["event_id"]}
    counters = httpx.get(url + "/health").json()["counters"]
    assert counters["dropped_session"] == 1 and counters["dropped_made_up_type"] == 1
    assert counters["dropped_attachment"] == 1 and counters["accepted"] == 1
    assert service.queue.qsize() == 1


def test_a_full_queue_answers_429_with_retry_after(start_server: Callable[..., Server]) -> None:
    url, service = start_server(worker=False, queue_size=1, retry_after=7)
    first = make_event()
    assert post(url, envelope(first)).status_code == 200
    assert post(url, envelope(first)).status_code == 200  # the same event again: not queued twice
    response = post(url, envelope())
    assert response.status_code == 429 and response.headers["Retry-After"] == "7"
    assert httpx.get(url + "/health").json()["queue_depth"] == 1


def test_the_store_endpoint_takes_one_json_event(start_server: Callable[..., Server]) -> None:
    url, service = start_server(worker=False)
    event = make_event()
    assert post(url, json.dumps(event).encode(), path="/api/1/store/").json() == {"id": event["event_id"]}
    assert post(url, b"[1]", path="/api/1/store/").status_code == 400
    assert post(url, envelope(), path="/api/abc/envelope/").status_code == 400


def test_an_event_already_stored_is_not_replayed_again(start_server: Callable[..., Server]) -> None:
    url, service = start_server()
    event = make_event()
    assert post(url, envelope(event)).status_code == 200
    wait_for(lambda: service.store.seen(event["event_id"]))
    assert post(url, envelope(event)).status_code == 200
    assert service.store.count() == 1
    assert httpx.get(url + "/health").json()["counters"]["duplicates"] == 1
    record = httpx.get(f"{url}/api/results/{event['event_id']}").json()
    assert record["verdict"] == "inconclusive"  # nothing listens on the target
    assert httpx.get(f"{url}/api/results/{uuid.uuid4().hex}").status_code == 404


# -- webhooks -------------------------------------------------------------------------------------

def signed(body: bytes, *, resource: str = "event_alert", secret: str = SECRET,
           timestamp: float | None = None) -> dict[str, str]:
    return {"Content-Type": "application/json", "Sentry-Hook-Resource": resource,
            "Sentry-Hook-Timestamp": str(int(time.time() if timestamp is None else timestamp)),
            "Sentry-Hook-Signature": hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}


def test_a_signed_webhook_event_is_replayed(start_server: Callable[..., Server],
                                            shop: Callable[..., tuple[str, Path]]) -> None:
    qa_url, _ = shop()
    url, service = start_server(qa_url)
    body = (FIXTURES / "webhooks" / "webhook-event_alert.json").read_bytes()
    response = post(url, body, headers=signed(body), path="/webhooks/sentry")
    assert response.status_code == 200
    event_id = response.json()["id"]
    record = wait_for(lambda: service.store.get(event_id))
    assert record["via"] == "webhook" and record["verdict"] in {"reproduced", "not_reproduced", "inconclusive"}


@pytest.mark.parametrize("change", ["wrong_secret", "altered", "missing", "stale", "future"])
def test_bad_webhook_signatures_get_401(start_server: Callable[..., Server], change: str) -> None:
    url, service = start_server(worker=False)
    body = (FIXTURES / "webhooks" / "webhook-error.json").read_bytes()
    headers = signed(body, secret="other" if change == "wrong_secret" else SECRET,
                     timestamp={"stale": time.time() - 3600, "future": time.time() + 3600}.get(change))
    if change == "missing":
        del headers["Sentry-Hook-Signature"]
    sent = body.replace(b"}", b" }", 1) if change == "altered" else body
    assert post(url, sent, headers=headers, path="/webhooks/sentry").status_code == 401
    assert service.queue.qsize() == 0


@pytest.mark.parametrize("resource,body", [
    ("event_alert", b'{"data": {}}'),
    ("error", b'{"data": {"error": "' + PLANTED[0].encode() + b'"}}'),
    ("issue", b'{"action": "created", "data": {"issue": {"id": "x"}}}'),
    ("event_alert", b"not json " + PLANTED[1].encode()),
    ("event_alert", b"[]"),
])
def test_webhooks_of_the_wrong_shape_get_400(start_server: Callable[..., Server], resource: str,
                                              body: bytes) -> None:
    url, service = start_server(worker=False)
    assert post(url, body, headers=signed(body, resource=resource), path="/webhooks/sentry").status_code == 400
    assert service.queue.qsize() == 0


def test_issue_webhooks_without_a_token_are_acknowledged_but_not_fetched(
        start_server: Callable[..., Server], monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.delenv("SENTRY_AUTH_TOKEN", raising=False)
    url, service = start_server(worker=False)
    body = (FIXTURES / "webhooks" / "webhook-issue-created.json").read_bytes()
    response = post(url, body, headers=signed(body, resource="issue"), path="/webhooks/sentry")
    assert response.status_code == 202 and response.json()["status"] == "not_fetched"
    assert "SENTRY_AUTH_TOKEN is not set" in caplog.text
    other = b'{"action": "resolved", "data": {"issue": {"id": "1"}}}'
    ignored = post(url, other, headers=signed(other, resource="issue"), path="/webhooks/sentry")
    assert ignored.status_code == 200 and ignored.json()["status"] == "ignored"
    assert service.queue.qsize() == 0


def test_an_issue_webhook_fetches_the_latest_event_when_a_token_is_configured(
        start_server: Callable[..., Server], sentry_server: FakeSentry,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTRY_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("SENTRY_URL", sentry_server.url)
    monkeypatch.setenv("SENTRY_ORG", ORG)
    url, service = start_server()
    document = json.loads((FIXTURES / "webhooks" / "webhook-issue-created.json").read_text())
    document["data"]["issue"]["id"] = ISSUE_ID
    body = json.dumps(document).encode()
    response = post(url, body, headers=signed(body, resource="issue"), path="/webhooks/sentry")
    assert response.status_code == 202 and response.json()["status"] == "queued"
    latest = sentry_server.events[0]["eventID"]
    record = wait_for(lambda: service.store.get(latest))
    assert record["via"] == "issue"
    assert sentry_server.requests_to(sentry_server.event_path("latest"))


def test_webhooks_without_a_configured_secret_get_503(start_server: Callable[..., Server]) -> None:
    url, _ = start_server(worker=False, webhook_secret=None)
    body = (FIXTURES / "webhooks" / "webhook-error.json").read_bytes()
    assert post(url, body, headers=signed(body, resource="error"), path="/webhooks/sentry").status_code == 503


def test_openapi_is_published(start_server: Callable[..., Server]) -> None:
    url, _ = start_server(worker=False)
    paths = httpx.get(url + "/openapi.json").json()["paths"]
    assert {"/api/{project_id}/envelope/", "/webhooks/sentry", "/health", "/api/results"} <= set(paths)


def test_stopping_replays_the_queued_events_first(start_server: Callable[..., Server]) -> None:
    url, service = start_server(worker=False)
    for _ in range(3):
        assert post(url, envelope(make_event())).status_code == 200
    service.start()
    service.stop(drain=20)
    assert service.store.count() == 3 and service.queue.qsize() == 0
    assert "dropped_on_stop" not in httpx.get(url + "/health").json()["counters"]


def test_events_still_queued_when_the_drain_time_is_up_are_counted(start_server: Callable[..., Server]) -> None:
    url, service = start_server(worker=False)
    for _ in range(3):
        assert post(url, envelope(make_event())).status_code == 200
    service.stop(drain=0)
    assert httpx.get(url + "/health").json()["counters"]["dropped_on_stop"] == 3 and service.store.count() == 0
