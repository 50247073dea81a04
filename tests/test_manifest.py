"""The manifest helper for QA apps (WSGI and ASGI), read by `replay parity`."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

import httpx

from replay.manifest import ASGIManifestMiddleware, ManifestMiddleware, build_manifest


def hello_wsgi(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:  # keep test output clean
        pass


def test_manifest_hashes_env_values_and_names_packages(monkeypatch) -> None:
    monkeypatch.setenv("SHOP_CURRENCY", "EUR")
    doc = build_manifest(release="r1", packages=("httpx", "no-such-package-xyz"), flags=lambda: {"beta": 1},
                         env_vars=("SHOP_CURRENCY", "UNSET_VAR_XYZ"), schema={"t": ["a"]})
    assert doc["packages"] == {"httpx": httpx.__version__, "no-such-package-xyz": None}
    assert doc["flags"] == {"beta": True}
    assert doc["env"]["UNSET_VAR_XYZ"] is None and len(doc["env"]["SHOP_CURRENCY"]) == 64
    assert "EUR" not in json.dumps(doc)


def test_wsgi_middleware_serves_the_manifest_that_replay_parity_reads(tmp_path: Path) -> None:
    app = ManifestMiddleware(hello_wsgi, release="shop@1.4.2", packages=("httpx",), flags={"new_checkout": True})
    server = make_server("127.0.0.1", 0, app, handler_class=QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        assert httpx.get(url + "/").text == "hello"
        baseline = tmp_path / "prod.json"
        baseline.write_text(json.dumps({"release": "shop@1.4.3", "packages": {"httpx": httpx.__version__},
                                        "flags": {"new_checkout": True}}))
        result = subprocess.run([sys.executable, "-m", "replay.cli", "parity", "--target", url, "--baseline",
                                 str(baseline), "--json"], capture_output=True, text=True, timeout=60,
                                env=dict(os.environ))
        assert result.returncode == 1
        report = json.loads(result.stdout)
        assert [d["kind"] for d in report["drifts"]] == ["release"]
    finally:
        server.shutdown()


def test_asgi_middleware_serves_the_manifest_and_passes_other_requests() -> None:
    async def hello_asgi(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"hello"})

    app = ASGIManifestMiddleware(hello_asgi, release="api@2.0.0", flags={"x": False})

    async def fetch() -> tuple[dict, str]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://qa") as client:
            return (await client.get("/__manifest")).json(), (await client.get("/other")).text

    manifest, other = asyncio.run(fetch())
    assert manifest["release"] == "api@2.0.0" and manifest["flags"] == {"x": False} and other == "hello"
