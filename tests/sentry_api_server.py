"""A real local HTTP server that answers like Sentry's web API, for tests.

Why real HTTP: bearer auth, ``Link``-header pagination, ``Retry-After`` and timeouts are transport
behaviour that an in-process mock would paper over. Answers are built from Sentry's documented
response in ``fixtures/sentry/api/issue-event-latest.json``.

Use ``with run_sentry_server() as sentry: ...`` or the ``sentry_server`` fixture (import it, with
``sentry_server_session``, into the test module). ``serve(app)`` runs any ASGI app the same way.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

__all__ = [
    "FIXTURES", "ISSUE_ID", "LEAK_MARKER", "NO_SCOPE_TOKEN", "ORG", "SHORT_ID", "TOKEN",
    "FakeSentry", "RecordedRequest", "load_fixture", "run_sentry_server", "serve",
    "sentry_server", "sentry_server_session",
]

FIXTURES = Path(os.environ.get("SENTRY_FIXTURES")
                or Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "sentry")
TOKEN = "sntryu_test_4f1c0ffee"
NO_SCOPE_TOKEN = "sntryu_noscope_9a2e"  # valid, but without event:read
ORG, ISSUE_ID, SHORT_ID = "acme", "12345", "SHOP-1A2"
#: Echoed in every error body: a client message that shows it has leaked a response body.
LEAK_MARKER = "body-only hell@boy.cat 4111111111111111"

_NOT_FOUND = {"detail": "The requested resource does not exist"}
_NO_AUTH = {"detail": "Authentication credentials were not provided."}
_BAD_TOKEN = {"detail": "Invalid token"}
_FORBIDDEN = {"detail": "You do not have permission to perform this action."}


def load_fixture(relative: str) -> Any:
    """A fixture document, parsed fresh (callers may mutate it)."""
    return json.loads((FIXTURES / relative).read_text(encoding="utf-8"))


@dataclass(slots=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names


@dataclass(slots=True)
class _Canned:
    status: int | None  # None: answer normally (after ``delay``)
    headers: dict[str, str]
    times: int | None  # None: forever
    delay: float = 0.0


@dataclass
class FakeSentry:
    """State and app of one fake Sentry; ``url`` is set once it is served."""

    events_count: int = 5
    page_size: int = 2
    url: str = ""
    requests: list[RecordedRequest] = field(default_factory=list)
    rate_headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.events = _build_events(self.events_count)
        self._canned: dict[str, list[_Canned]] = {}
        self._lock = threading.Lock()
        self.app = self._build_app()

    # -- what tests arrange ---------------------------------------------------------------
    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._canned.clear()
            self.rate_headers.clear()

    def fail(self, path: str, status: int, *, times: int | None = 1,
             headers: dict[str, str] | None = None) -> None:
        """Answer ``status`` (with an error body) to the next ``times`` requests for ``path``."""
        with self._lock:
            self._canned.setdefault(path, []).append(_Canned(status, headers or {}, times))

    def rate_limit(self, path: str, *, retry_after: str | None = "2", times: int = 1,
                   headers: dict[str, str] | None = None) -> None:
        """429 on the first ``times`` calls of ``path``, with Sentry's rate-limit headers."""
        extra = {"X-Sentry-Rate-Limit-Limit": "40", "X-Sentry-Rate-Limit-Remaining": "0",
                 **({"Retry-After": retry_after} if retry_after is not None else {}),
                 **(headers or {})}
        self.fail(path, 429, times=times, headers=extra)

    def slow(self, path: str, seconds: float, *, times: int | None = None) -> None:
        with self._lock:
            self._canned.setdefault(path, []).append(_Canned(None, {}, times, seconds))

    def requests_to(self, path: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    # -- paths ----------------------------------------------------------------------------
    def org_path(self, org: str = ORG) -> str:
        return f"/api/0/organizations/{org}/"

    def events_path(self, issue: str = ISSUE_ID, org: str = ORG) -> str:
        return f"/api/0/organizations/{org}/issues/{issue}/events/"

    def event_path(self, which: str = "latest", issue: str = ISSUE_ID, org: str = ORG) -> str:
        return f"{self.events_path(issue, org)}{which}/"

    def shortid_path(self, short_id: str = SHORT_ID, org: str = ORG) -> str:
        return f"/api/0/organizations/{org}/shortids/{short_id}/"

    # -- the app --------------------------------------------------------------------------
    def _take(self, path: str) -> _Canned | None:
        with self._lock:
            queue = self._canned.get(path) or []
            if not queue:
                return None
            canned = queue[0]
            if canned.times is not None:
                canned.times -= 1
                if canned.times <= 0:
                    queue.pop(0)
            return canned

    def _build_app(self) -> FastAPI:
        app = FastAPI()

        @app.middleware("http")
        async def gate(request: Request, call_next: Any) -> Response:
            with self._lock:
                self.requests.append(RecordedRequest(
                    request.method, request.url.path, dict(request.query_params),
                    {k.lower(): v for k, v in request.headers.items()}))
            canned = self._take(request.url.path)
            if canned is not None:
                await asyncio.sleep(canned.delay)
                if canned.status is not None:
                    return _error(canned.status, {"detail": "canned"}, canned.headers)
            auth = request.headers.get("authorization")
            if auth is None:
                return _error(401, _NO_AUTH)
            if auth not in (f"Bearer {TOKEN}", f"Bearer {NO_SCOPE_TOKEN}"):
                return _error(401, _BAD_TOKEN)
            if auth == f"Bearer {NO_SCOPE_TOKEN}" and "/events/" in request.url.path:
                return _error(403, _FORBIDDEN)
            response: Response = await call_next(request)
            response.headers.update({"X-Sentry-Rate-Limit-Limit": "40",
                                     "X-Sentry-Rate-Limit-Remaining": "39",
                                     "X-Sentry-Rate-Limit-Reset": str(int(time.time()) + 1),
                                     **self.rate_headers})
            return response

        @app.get("/api/0/organizations/{org}/")
        def organization(org: str) -> Response:
            if org != ORG:
                return _error(404, _NOT_FOUND)
            return JSONResponse({"id": "1", "slug": ORG, "name": "Acme",
                                 "status": {"id": "active"}})

        @app.get("/api/0/organizations/{org}/shortids/{short_id}/")
        def short_id(org: str, short_id: str) -> Response:
            if org != ORG or short_id.upper() != SHORT_ID:
                return _error(404, _NOT_FOUND)
            return JSONResponse({"organizationSlug": ORG, "projectSlug": "shop",
                                 "groupId": ISSUE_ID, "shortId": SHORT_ID,
                                 "group": {"id": ISSUE_ID, "shortId": SHORT_ID}})

        @app.get("/api/0/organizations/{org}/issues/{issue}/events/")
        def events(request: Request, org: str, issue: str, full: str = "false",
                   cursor: str = "0:0:0") -> Response:
            if org != ORG or issue != ISSUE_ID:
                return _error(404, _NOT_FOUND)
            try:
                offset = int(cursor.split(":")[1])
            except (IndexError, ValueError):
                return _error(400, {"detail": "Invalid cursor parameter."})
            page = self.events[offset:offset + self.page_size]
            if full != "true":  # the list leaves out the event body unless asked
                page = [{k: v for k, v in e.items() if k != "entries"} for e in page]
            return JSONResponse(page, headers={"Link": self._link(request, offset)})

        @app.get("/api/0/organizations/{org}/issues/{issue}/events/{event_id}/")
        def event(org: str, issue: str, event_id: str) -> Response:
            if org != ORG or issue != ISSUE_ID:
                return _error(404, _NOT_FOUND)
            chosen = {"latest": self.events[0], "oldest": self.events[-1],
                      "recommended": self.events[len(self.events) // 2]}.get(event_id)
            chosen = chosen or next((e for e in self.events if event_id in
                                     (e["eventID"], e["id"])), None)
            return JSONResponse(chosen) if chosen else _error(404, _NOT_FOUND)

        return app

    def _link(self, request: Request, offset: int) -> str:
        """Sentry's Link header: previous and next, each with results= and cursor=."""
        base = str(request.url.replace(query=""))
        links = [("previous", offset > 0, f"0:{max(offset - self.page_size, 0)}:1"),
                 ("next", offset + self.page_size < len(self.events),
                  f"0:{offset + self.page_size}:0")]
        return ", ".join(
            f'<{base}?full=true&cursor={c}>; rel="{rel}"; results="{str(r).lower()}"; cursor="{c}"'
            for rel, r, c in links)


def _error(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({**body, "echo": LEAK_MARKER}, status_code=status, headers=headers)


def _build_events(count: int) -> list[dict[str, Any]]:
    """The documented event first (newest), then copies with their own ids, older and older."""
    base = load_fixture("api/issue-event-latest.json")
    events = [base]
    for i in range(1, count):
        event = copy.deepcopy(base)
        event["eventID"] = event["id"] = hashlib.md5(f"event-{i}".encode()).hexdigest()
        event["dateCreated"] = f"2020-06-17T22:{26 - i:02d}:56.098086Z"
        events.append(event)
    for event in events:
        event["groupID"] = ISSUE_ID
    return events


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Run an ASGI app with uvicorn on 127.0.0.1 (a free port) in a thread; yield its URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False,
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test HTTP server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@contextmanager
def run_sentry_server(**settings: Any) -> Iterator[FakeSentry]:
    """A started :class:`FakeSentry`; ``settings`` as its fields (events_count, page_size)."""
    fake = FakeSentry(**settings)
    with serve(fake.app) as url:
        fake.url = url
        yield fake


@pytest.fixture(scope="session")
def sentry_server_session() -> Iterator[FakeSentry]:
    with run_sentry_server() as fake:
        yield fake


@pytest.fixture
def sentry_server(sentry_server_session: FakeSentry) -> FakeSentry:
    """The session's fake Sentry with requests, failures and rate headers cleared."""
    sentry_server_session.reset()
    return sentry_server_session
