"""Tests for the example shop (examples/shop): the service incident-replay replays into.

They prove what the replay tests rely on: each planted bug gives a 500 with its
own exception, ordinary requests pass, ``fixed`` removes a bug, the request log
shows what arrived, the manifest has its documented shape, and the Sentry event
captured in "production" really carries the request (body, headers, cookies).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import metadata
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest
import sentry_sdk
from flask.testing import FlaskClient

from examples.shop import (
    BUGS,
    MemoryTransport,
    create_app,
    init_sentry,
    serve_in_thread,
)
from examples.shop.app import SCHEMA_FINGERPRINT
from examples.shop.bugs import ordinary_checkout, ordinary_profile

REPO_ROOT = Path(__file__).resolve().parents[1]
HEX64 = re.compile(r"[0-9a-f]{64}")


def send(client: FlaskClient, request: dict[str, Any], **kwargs: Any) -> Any:
    """Send one of the catalogue's example requests through a Flask test client."""
    return client.open(request["path"], method=request["method"], json=request.get("json"),
                       query_string=request.get("query"), **kwargs)


@pytest.fixture
def client() -> FlaskClient:
    return create_app().test_client()


# ---------------------------------------------------------------- behaviour


def test_ordinary_requests_succeed(client: FlaskClient) -> None:
    r = client.post("/api/checkout", json=ordinary_checkout())
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["card"] == "**** **** **** 1111"
    assert r.get_json()["total_cents"] == 5156  # (2*899 + 2499) * 1.20

    r = client.post("/api/profile", json=ordinary_profile())
    assert r.status_code == 200 and r.get_json()["adult_since"] == "2008-05-17"
    assert client.get("/api/profile/u-2002").get_json()["email"] == "jane.doe@example.com"
    assert client.get("/api/profile/u-1001").status_code == 200

    r = client.get("/api/search", query_string={"q": "mug", "page": "1"})
    assert r.status_code == 200 and r.get_json()["results"][0]["sku"] == "MUG-002"
    assert client.get("/health").get_json()["status"] == "ok"


def test_near_misses_of_each_trigger_succeed(client: FlaskClient) -> None:
    """Properties close to a trigger must not crash (the triggers are precise)."""
    body = ordinary_checkout()
    body["customer"]["address"] = "Königstraße 5, München"  # non-ASCII, but not the name
    body["customer"]["email"] = "jane+shop@example.com"  # '+' is fine in checkout
    assert client.post("/api/checkout", json=body).status_code == 200
    profile = {**ordinary_profile(), "name": "Zoë Ångström", "birthday": "2004-02-28"}
    assert client.post("/api/profile", json=profile).status_code == 200
    profile = {**ordinary_profile(), "name": "Bartholomew Featherstone"}  # 24 characters: the CRM's width
    assert client.post("/api/profile", json=profile).status_code == 200
    assert client.get("/api/search", query_string={"q": "x" * 64}).status_code == 200
    assert client.get("/api/search", query_string={"q": "tée"}).status_code == 200


@pytest.mark.parametrize("name", sorted(BUGS))
def test_each_bug_gives_500_with_its_exception(client: FlaskClient, name: str) -> None:
    bug = BUGS[name]
    for _ in range(2):  # deterministic
        r = send(client, bug.example)
        assert r.status_code == 500
        body = r.get_json()
        assert (body["exception"], body["function"]) == (bug.exception, bug.function)


def test_bug_signatures_are_distinct() -> None:
    assert len({(b.exception, b.function) for b in BUGS.values()}) == len(BUGS)
    assert len({b.function for b in BUGS.values()}) == len(BUGS)


@pytest.mark.parametrize("name", sorted(BUGS))
def test_fixed_disables_only_that_bug(name: str) -> None:
    client = create_app(fixed=[name]).test_client()
    assert send(client, BUGS[name].example).status_code == BUGS[name].fixed_status
    other = next(b for b in BUGS.values() if b.name != name)
    assert send(client, other.example).status_code == 500


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("POST", "/api/checkout", {"data": "not json", "content_type": "application/json"}, 400),
        ("POST", "/api/checkout", {"json": {"card": {}, "items": []}}, 400),
        ("POST", "/api/checkout", {"json": "card-number-only"}, 400),
        ("GET", "/api/search", {"query_string": {"q": "mug", "page": "x"}}, 400),
        ("GET", "/api/search", {}, 400),
        ("GET", "/api/profile/u-nobody", {}, 404),
        ("GET", "/nope", {}, 404),
        ("POST", "/api/profile", {"json": {**ordinary_profile(), "birthday": "1990-02-29"}}, 400),
        ("POST", "/api/profile", {"json": {**ordinary_profile(), "email": "no-at-sign"}}, 400),
    ],
)
def test_handled_invalid_input_is_4xx(client: FlaskClient, method: str, path: str,
                                      kwargs: dict[str, Any], status: int) -> None:
    r = client.open(path, method=method, **kwargs)
    assert r.status_code == status
    assert "error" in r.get_json()


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("card", "number"), "4111 1111 1111 1112"),  # fails Luhn
        (("card", "number"), "4111 1111 1111 1"),  # 13 digits: unsupported length
        (("items",), [{"sku": "NOPE-000", "qty": 1}]),
        (("coupon",), "BOGUS"),
    ],
)
def test_rejected_checkouts_are_422(client: FlaskClient, path: tuple[str, ...], value: Any) -> None:
    body = ordinary_checkout()
    (body[path[0]] if len(path) == 2 else body)[path[-1]] = value
    assert client.post("/api/checkout", json=body).status_code == 422


def test_flags_change_behaviour() -> None:
    body = {**ordinary_checkout(), "coupon": "WELCOME10"}
    on = create_app(flags={"loyalty_points": True}).test_client().post("/api/checkout", json=body)
    off = create_app(flags={"new_checkout": False}).test_client().post("/api/checkout", json=body)
    assert on.get_json()["total_cents"] < off.get_json()["total_cents"]
    assert "loyalty_points" in on.get_json() and "loyalty_points" not in off.get_json()


def test_variant_fails_differently() -> None:
    client = create_app(variant="different-error").test_client()
    for bug in BUGS.values():
        body = send(client, bug.example).get_json()
        assert body["exception"] == "ShopServiceError" != bug.exception
    assert client.post("/api/checkout", json=ordinary_checkout()).status_code == 200
    assert client.get("/api/profile/u-nobody").status_code == 404  # HTTP errors pass through


def test_create_app_rejects_unknown_names() -> None:
    with pytest.raises(ValueError, match="unknown bug"):
        create_app(fixed=["no_such_bug"])
    with pytest.raises(ValueError, match="variant"):
        create_app(variant="sideways")


# ------------------------------------------------------- request log, manifest


def test_request_log_records_requests_before_handling(tmp_path: Path) -> None:
    log = tmp_path / "requests.jsonl"
    client = create_app(request_log=log).test_client()
    client.set_cookie("cart_id", "c-42")
    crash = BUGS["non_ascii_name"].example
    assert client.post("/api/checkout?src=mail", json=crash["json"],
                       headers={"X-Trace": "t-1"}).status_code == 500
    client.get("/does-not-exist")

    first, second = [json.loads(line) for line in log.read_text("utf-8").splitlines()]
    assert (first["method"], first["path"], first["query_string"]) == ("POST", "/api/checkout", "src=mail")
    assert first["headers"]["X-Trace"] == "t-1"
    assert first["cookies"] == {"cart_id": "c-42"}
    assert json.loads(first["body"]) == crash["json"]  # logged even though handling crashed
    assert (second["method"], second["path"], second["body"]) == ("GET", "/does-not-exist", "")


def test_manifest_has_documented_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOP_CURRENCY", "CHF")
    monkeypatch.delenv("TZ", raising=False)
    app = create_app(release="shop@2.0.0", flags={"loyalty_points": True},
                     fixed=["amex_card"], environment="qa")
    m = app.test_client().get("/__manifest").get_json()

    assert set(m) == {"manifest_version", "service", "release", "environment", "packages",
                      "flags", "env", "schema_fingerprint", "build"}
    assert (m["manifest_version"], m["service"], m["release"], m["environment"]) == (
        1, "shop", "shop@2.0.0", "qa")
    assert m["packages"]["flask"] == metadata.version("flask")
    assert m["packages"]["sentry-sdk"] == metadata.version("sentry-sdk")
    assert m["flags"] == {"new_checkout": True, "loyalty_points": True}
    assert set(m["env"]) == {"SHOP_CURRENCY", "SHOP_TAX_RATE", "SHOP_PAYMENT_GATEWAY", "TZ"}
    assert m["env"]["SHOP_CURRENCY"] == hashlib.sha256(b"CHF").hexdigest()
    assert m["env"]["TZ"] is None
    assert HEX64.fullmatch(m["schema_fingerprint"]) and m["schema_fingerprint"] == SCHEMA_FINGERPRINT
    assert m["build"] == {"fixed": ["amex_card"], "variant": None}
    other = create_app().test_client().get("/__manifest").get_json()
    assert other["schema_fingerprint"] == m["schema_fingerprint"]


# ------------------------------------------------------------------ sentry


@pytest.fixture
def sentry_memory(monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryTransport]:
    """sentry-sdk with an in-memory transport; sentry_sdk.init is process-global,
    so close it and re-init without DSN (inactive) afterwards."""
    monkeypatch.delenv("SENTRY_DSN", raising=False)
    transport = MemoryTransport()
    assert init_sentry(transport=transport, release="shop@1.4.2", environment="production") is transport
    yield transport
    sentry_sdk.get_client().close()
    sentry_sdk.init()


def test_sentry_event_carries_the_request(sentry_memory: MemoryTransport) -> None:
    client = create_app().test_client()
    client.set_cookie("cart_id", "c-42")
    client.set_cookie("session", "s3cr3t")
    bug = BUGS["non_ascii_name"]
    r = client.post("/api/checkout?src=mail", json=bug.example["json"],
                    headers={"X-Trace": "t-1", "X-User-Id": "u-77"})
    assert r.status_code == 500

    [event] = sentry_memory.events  # exactly one (no duplicate from the logging integration)
    assert r.get_json()["event_id"] == event["event_id"]
    exc = event["exception"]["values"][-1]
    assert exc["type"] == bug.exception
    assert exc["stacktrace"]["frames"][-1]["function"] == bug.function
    req = event["request"]
    assert req["method"] == "POST"
    assert req["url"] == "http://localhost/api/checkout"
    assert req["query_string"] == "src=mail"
    assert req["data"] == bug.example["json"]  # the JSON body, parsed
    assert req["headers"]["X-Trace"] == "t-1"
    assert req["headers"]["Content-Type"] == "application/json"
    assert req["cookies"]["cart_id"] == "c-42"
    assert req["cookies"]["session"] == "[Filtered]"  # the SDK's own denylist
    assert event["user"]["id"] == "u-77"
    assert event["user"]["email"] == bug.example["json"]["customer"]["email"]
    assert (event["release"], event["environment"]) == ("shop@1.4.2", "production")


def test_sentry_callable_transport_and_no_event_for_success(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SENTRY_DSN", raising=False)
    seen: list[dict[str, Any]] = []
    try:
        init_sentry(transport=seen.append, environment="qa")
        client = create_app().test_client()
        assert client.post("/api/checkout", json=ordinary_checkout()).status_code == 200
        assert seen == []
        assert send(client, BUGS["plus_email"].example).status_code == 500
        [event] = seen
        assert event["exception"]["values"][-1]["type"] == "ValueError"
        assert event["request"]["data"]["email"] == "jane.doe+shop@example.com"
        assert event["user"] == {"id": "u-2002", "email": "jane.doe+shop@example.com",
                                 "ip_address": "127.0.0.1"}
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.init()


# ------------------------------------------------------------ real servers


def test_serve_in_thread() -> None:
    base_url, shutdown = serve_in_thread(create_app(fixed=["long_query"]))
    try:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", base_url)
        assert httpx.get(f"{base_url}/health").json()["status"] == "ok"
        assert httpx.get(f"{base_url}/api/search", params={"q": "y" * 100}).status_code == 200
        r = httpx.post(f"{base_url}/api/checkout", json=BUGS["amex_card"].example["json"])
        assert (r.status_code, r.json()["exception"]) == (500, "IndexError")
    finally:
        shutdown()


def _clean_env() -> dict[str, str]:
    """Child env without proxies or a stray SENTRY_DSN (loopback only)."""
    drop = {"SENTRY_DSN", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy",
            "https_proxy", "all_proxy"}
    return {k: v for k, v in os.environ.items() if k not in drop}


def _start_cli(*args: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "examples.shop", "--port", "0", "--host", "127.0.0.1", *args],
        cwd=REPO_ROOT, env=_clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.fullmatch(r"listening on (http://127\.0\.0\.1:\d+)\n", line)
    if match is None:
        proc.kill()
        pytest.fail(f"unexpected first line {line!r}; stderr: {proc.communicate()[1]}")
    return proc, match.group(1)


def _stop_cli(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=15)
    assert proc.returncode == 0
    return out


def test_cli_serves_and_exits_cleanly(tmp_path: Path) -> None:
    log = tmp_path / "qa.jsonl"
    proc, base_url = _start_cli("--role", "qa", "--release", "shop@1.5.0",
                                "--flag", "loyalty_points=on", "--fixed", "amex_card",
                                "--request-log", str(log))
    try:
        m = httpx.get(f"{base_url}/__manifest").json()
        assert (m["environment"], m["release"]) == ("qa", "shop@1.5.0")
        assert m["flags"] == {"new_checkout": True, "loyalty_points": True}
        assert m["build"]["fixed"] == ["amex_card"]
        assert httpx.post(f"{base_url}/api/checkout",
                          json=BUGS["amex_card"].example["json"]).status_code == 200
        r = httpx.post(f"{base_url}/api/checkout", json=BUGS["non_ascii_name"].example["json"])
        assert (r.status_code, r.json()["exception"]) == (500, "UnicodeEncodeError")
    finally:
        remaining_stdout = _stop_cli(proc)
    assert remaining_stdout == ""  # exactly one line in total
    paths = [json.loads(line)["path"] for line in log.read_text("utf-8").splitlines()]
    assert paths == ["/__manifest", "/api/checkout", "/api/checkout"]


class _FakeSentry(BaseHTTPRequestHandler):
    """Accepts sentry envelopes on loopback and keeps the error events."""

    events: list[dict[str, Any]] = []
    received = threading.Event()

    def do_POST(self) -> None:  # noqa: N802 (http.server API)
        raw = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            raw = gzip.decompress(raw)
        elif self.headers.get("Content-Encoding") == "br":  # sentry-sdk prefers br when brotli is installed
            import brotli

            raw = brotli.decompress(raw)
        lines = raw.split(b"\n")
        for header, payload in zip(lines[1::2], lines[2::2]):
            if json.loads(header).get("type") == "event":
                self.events.append(json.loads(payload))
                self.received.set()
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        pass


def test_cli_reports_crash_to_sentry_dsn() -> None:
    """The production role with a real DSN (a fake Sentry on loopback) sends the event."""
    _FakeSentry.events, _FakeSentry.received = [], threading.Event()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeSentry)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    dsn = f"http://public@127.0.0.1:{server.server_port}/1"
    proc, base_url = _start_cli("--role", "production", "--sentry-dsn", dsn)
    try:
        bug = BUGS["long_query"]
        r = httpx.get(f"{base_url}{bug.example['path']}", params=bug.example["query"],
                      cookies={"cart_id": "c-9"})
        assert r.status_code == 500
        assert _FakeSentry.received.wait(10)
    finally:
        _stop_cli(proc)
        server.shutdown()
        server.server_close()
    [event] = _FakeSentry.events
    assert event["exception"]["values"][-1]["type"] == "OverflowError"
    assert event["environment"] == "production"
    assert event["request"]["cookies"] == {"cart_id": "c-9"}
    assert "q=jane.doe%40example.com" in event["request"]["query_string"]
