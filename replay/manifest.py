"""The QA manifest, served by the QA service itself, so `replay` can check parity before replaying.

A small documented JSON contract (see ``examples/shop/README.md``)::

    {"manifest_version": 1, "service": "shop", "release": "shop@1.4.2", "environment": "qa",
     "packages": {"flask": "3.1.3", ...}, "flags": {"new_checkout": true, ...},
     "env": {"SHOP_CURRENCY": "<sha256 of the value>" or null}, "schema_fingerprint": "<sha256>",
     "runtime": "CPython 3.11.7"}

Env values are hashed, never shown. For a Python web app, one line::

    app.wsgi_app = ManifestMiddleware(app.wsgi_app, release=RELEASE, packages=("flask",),
                                      flags=lambda: FLAGS, env_vars=("SHOP_CURRENCY",), schema=SCHEMA)
    # ASGI (FastAPI, Starlette): app = ASGIManifestMiddleware(app, release=RELEASE, ...)

This module uses the standard library only, so QA apps can import it without our dependencies.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from collections.abc import Callable, Iterable, Mapping
from importlib import metadata
from typing import Any

__all__ = ["ASGIManifestMiddleware", "ManifestMiddleware", "build_manifest"]

Flags = Mapping[str, bool] | Callable[[], Mapping[str, bool]] | None


def build_manifest(*, release: str, environment: str | None = None, service: str | None = None,
                   packages: Iterable[str] = (), flags: Flags = None, env_vars: Iterable[str] = (),
                   schema: Any = None) -> dict[str, Any]:
    """The manifest document, computed now (flags may be a callable evaluated per request)."""
    current_flags = flags() if callable(flags) else (flags or {})
    return {
        "manifest_version": 1,
        "service": service,
        "release": release,
        "environment": environment,
        "packages": {name: _version(name) for name in packages},
        "flags": {str(k): bool(v) for k, v in current_flags.items()},
        "env": {name: _digest(os.environ[name]) if name in os.environ else None for name in env_vars},
        "schema_fingerprint": _digest(json.dumps(schema, sort_keys=True, separators=(",", ":")))
        if schema is not None else None,
        "runtime": f"{platform.python_implementation()} {platform.python_version()}",
    }


class ManifestMiddleware:
    """WSGI: answers ``GET path`` with the manifest, passes everything else to ``app``."""

    def __init__(self, app: Callable, *, path: str = "/__manifest", **manifest: Any) -> None:
        self.app, self.path, self.manifest = app, path, manifest

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != self.path or environ.get("REQUEST_METHOD") != "GET":
            return self.app(environ, start_response)
        body = json.dumps(build_manifest(**self.manifest)).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]


class ASGIManifestMiddleware:
    """ASGI: the same for FastAPI, Starlette and other ASGI apps."""

    def __init__(self, app: Callable, *, path: str = "/__manifest", **manifest: Any) -> None:
        self.app, self.path, self.manifest = app, path, manifest

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope.get("type") != "http" or scope.get("path") != self.path or scope.get("method") != "GET":
            await self.app(scope, receive, send)
            return
        body = json.dumps(build_manifest(**self.manifest)).encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()
