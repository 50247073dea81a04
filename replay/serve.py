"""`replay serve`: receive Sentry events over HTTP and replay each one into QA.

Three doors lead into one bounded in-process queue: sentry-sdk's ingest protocol (a DSN pointing
here), Sentry integration-platform webhooks, and nothing else. One worker thread takes each event
through sanitize → replay → verdict and stores the sanitized result. The raw event lives only in
the queue's memory; logs name event ids, projects, item types, sizes and verdicts, never values.

Only click and the standard library are imported at module level, so ``replay --help`` stays fast.
"""

import itertools
import logging
import os
import queue
import re
import sqlite3
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from fastapi import FastAPI

    from connectors.limits import EventLimits
    from replay.access import AccessPolicy
    from replay.parity import GateCache
    from replay.target import Target
    from sanitizers import Sanitizer

__all__ = ["ServeSettings", "ReplayService", "create_app", "event_limit_options", "serve_command"]

log = logging.getLogger("replay.serve")

# -- the OpenAPI description: what each operation takes and every refusal it may answer -----------
_DETAIL = {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}
_REFUSALS = {
    400: "Malformed: project id not a number, corrupt envelope or JSON, event_id not a UUID, "
         "webhook without an event, or an event nested deeper than max_depth",
    401: "Missing or unknown DSN key, missing or wrong webhook signature, stale timestamp, or no bearer token",
    403: "The bearer token's role may not read this",
    404: "Nothing stored under this id",
    413: "Body over max_body_bytes, decompressed body over max_decompressed_bytes or max_ratio, "
         "or an event over max_event_bytes",
    415: "Unsupported Content-Encoding (gzip, deflate, br or identity)",
    429: "The replay queue is full: retry after Retry-After seconds",
    503: "The result store cannot be written (a full disk): retry after Retry-After seconds; "
         "or, for webhooks, none are configured on this server (no client secret)",
}
_PROJECT_ID = {"type": "string", "pattern": "^[0-9]{1,19}$"}
_INGEST_AUTH = [
    {"name": "X-Sentry-Auth", "in": "header", "required": False, "schema": {"type": "string"},
     "description": "Sentry sentry_version=7, sentry_key=KEY, ... (or the sentry_key query parameter)"},
    {"name": "sentry_key", "in": "query", "required": False, "schema": {"type": "string"}},
]
_WEBHOOK_HEADERS = [
    {"name": "Sentry-Hook-Resource", "in": "header", "required": True, "schema": {"type": "string", "minLength": 1},
     "description": "event_alert, error and issue are replayed; other resources are acknowledged and ignored"},
    {"name": "Sentry-Hook-Signature", "in": "header", "required": True, "schema": {"type": "string"},
     "description": "hex HMAC-SHA256 of the raw body with the integration's client secret"},
    {"name": "Sentry-Hook-Timestamp", "in": "header", "required": True, "schema": {"type": "string"},
     "description": "Unix time of the delivery, in seconds"},
]


def _refusals(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses`` of an operation that may refuse with ``statuses`` (a ``{"detail"}`` body each)."""
    return {status: {"description": _REFUSALS[status], "content": {"application/json": {"schema": _DETAIL}}}
            for status in statuses}


def _operation(media_type: str, body: dict[str, Any], parameters: list[dict[str, Any]]) -> dict[str, Any]:
    """``openapi_extra`` for an operation that reads its raw body itself (FastAPI cannot see it)."""
    return {"parameters": parameters,
            "requestBody": {"required": True, "content": {media_type: {"schema": body}}}}


@dataclass
class ServeSettings:
    """Everything `replay serve` needs; ``sanitizer`` defaults to one built from ``policy``."""

    target: "Target"
    store_path: str | Path | None = None
    dsn_keys: tuple[str, ...] = ()
    webhook_secret: str | None = None
    policy: str | None = None
    sanitizer: "Sanitizer | None" = None
    queue_size: int = 1000
    max_body_bytes: int = 1024 * 1024
    max_decompressed_bytes: int = 20 * 1024 * 1024
    max_ratio: float = 100.0
    event_limits: "EventLimits | None" = None  # size and depth of each event; None: connectors' defaults
    retry_after: int = 10
    webhook_max_age: float = 300.0
    #: Events from these environments are QA reporting its own errors after a replay: their
    #: signatures are kept by trace id for the replayer's verdict, and they are never replayed.
    qa_environments: tuple[str, ...] = ("qa",)
    ignore_parity: bool = False
    parity_refresh: float = 60.0  # seconds between reads of QA's manifest
    audit_path: str | Path | None = None  # default: replay.audit.default_audit_path()
    access: "AccessPolicy | None" = None  # bearer tokens for the results and audit API; None: open
    drain_timeout: float = 30.0  # on shutdown, seconds to finish the queued events before dropping them


@dataclass
class _Job:
    event_id: str
    project: str
    via: str  # envelope, store, webhook, issue
    event: dict[str, Any] | None = field(default=None, repr=False)  # raw: memory only
    issue_id: str | None = None


class Busy(Exception):
    """The service cannot take an event now; the caller answers ``status`` with Retry-After."""

    status = 429
    detail = "replay queue is full, retry later"


class QueueFull(Busy):
    """The bounded queue has no room."""


class StoreUnwritable(Busy):
    """The result store or audit trail cannot be written (a full disk): an event accepted now could
    not be claimed or its verdict kept, so it is refused until the disk has room again."""

    status = 503
    detail = "the result store cannot be written, retry later"


_LOST = {
    "dropped_on_stop": "not replayed: the service stopped while the result store could not be written",
    "results_not_stored": "replayed, but the service stopped before its verdict could be stored",
    "replays_not_audited": "replayed and stored, but the service stopped before the audit trail could be written",
}


class _Stopped(Exception):
    """The service stopped while the worker waited for the store to become writable."""


class ReplayService:
    """The queue, its worker thread, the result store and the counters behind the app."""

    def __init__(self, settings: ServeSettings) -> None:
        from replay.store import ResultStore, default_home

        self.settings = settings
        self.store = ResultStore(settings.store_path or default_home() / "results.sqlite3")
        self.queue: "queue.Queue[_Job]" = queue.Queue(maxsize=max(1, settings.queue_size))
        self.counters: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._pending: set[str] = set()
        self._stop = threading.Event()
        self._store_failing = threading.Event()  # set while the worker cannot write the store or audit trail
        self._thread: threading.Thread | None = None
        self._sanitizer = settings.sanitizer
        self._parity: GateCache | None = None
        from replay.audit import AuditTrail

        self.audit = AuditTrail(settings.audit_path)

    # -- the producer side ----------------------------------------------------------------
    def count(self, name: str, n: int = 1) -> None:
        with self._lock:
            self.counters[name] += n

    def submit(self, job: _Job) -> bool:
        """Queue a job; False for a duplicate (stored or already queued). Raises QueueFull when the
        queue has no room, StoreUnwritable when its receipt cannot be audited (then nothing is queued)."""
        with self._lock:
            if job.event_id in self._pending:
                self.counters["duplicates"] += 1
                return False
        if self.store.seen(job.event_id):
            self.count("duplicates")
            return False
        if self.queue.full():  # before the audit row: a refused event was not received
            self.count("rejected_queue_full")
            raise QueueFull
        if self._store_failing.is_set():  # the worker could not keep what it would replay
            self.count("rejected_store_unwritable")
            raise StoreUnwritable
        try:
            self.audit.append("ingest", event_id=job.event_id, details={"project": job.project, "via": job.via})
        except sqlite3.Error:
            self.count("rejected_store_unwritable")
            raise StoreUnwritable from None
        with self._lock:
            try:
                self.queue.put_nowait(job)
            except queue.Full:
                self.counters["rejected_queue_full"] += 1
                raise QueueFull from None
            self._pending.add(job.event_id)
            self.counters["accepted"] += 1
        return True

    def health(self) -> dict[str, Any]:
        with self._lock:
            counters = dict(self.counters)
        return {"status": "ok", "queue_depth": self.queue.qsize(), "queue_size": self.queue.maxsize,
                "worker_alive": bool(self._thread and self._thread.is_alive()),
                "stored": self.store.count(), "counters": counters}

    # -- the worker -----------------------------------------------------------------------
    def start(self) -> None:
        """Start the worker thread (idempotent)."""
        if self._thread and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="replay-serve-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0, drain: float = 0.0) -> None:
        """Stop the worker after the job in hand. With ``drain`` seconds, the queued events are
        replayed first, for up to that long; whatever is still queued then is dropped (raw events
        are never written anywhere), counted as ``dropped_on_stop`` and logged."""
        deadline = time.monotonic() + drain
        while drain and self._pending and self._thread and self._thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        if self.queue.qsize():
            self.count("dropped_on_stop", self.queue.qsize())
            log.warning("stopping with %d queued event(s) not replayed (drain timeout %.0f s)", self.queue.qsize(), drain)
        self._stop.set()
        if self._thread:
            self._thread.join(timeout)
        self._thread = None

    def close(self) -> None:
        self.stop()
        self.store.close()
        self.audit.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                job = self.queue.get(timeout=0.1)
            except queue.Empty:
                continue
            key = job.event_id
            try:
                self.process(job)
            except _Stopped:
                pass  # counted and logged where it stopped
            except Exception as exc:  # one bad event must not stop the worker
                self.count("worker_errors")
                log.error("event %s (project %s, via %s): replay failed with %s; nothing stored",
                          job.event_id, job.project, job.via, type(exc).__name__)
            finally:
                with self._lock:
                    self._pending.discard(key)
                job.event = None
                self.queue.task_done()

    def sanitizer(self) -> "Sanitizer":
        if self._sanitizer is None:
            from sanitizers import Sanitizer, load_policy

            self._sanitizer = Sanitizer(load_policy(self.settings.policy))
        return self._sanitizer

    def record_qa_report(self, event: dict[str, Any]) -> str | None:
        """Keep only the signature of QA's error (type, message template, top frame), by trace id."""
        from dataclasses import asdict

        from replay.verdict import signature_of, trace_id_of

        trace_id = trace_id_of(event)
        if trace_id:
            try:
                self.store.record_qa_report(trace_id, asdict(signature_of(event)))
            except sqlite3.Error:
                self.count("rejected_store_unwritable")
                raise StoreUnwritable from None
            self.count("qa_reports")
        return trace_id

    def _durably(self, job: _Job, write: Callable[[], Any], *, lost: str) -> Any:
        """A store or audit write, retried while it fails (a full disk): the worker waits rather than
        lose a verdict or send an event twice. If the service stops first, the event is counted
        under ``lost`` and :class:`_Stopped` is raised."""
        delay = 0.5
        while True:
            try:
                result = write()
                self._store_failing.clear()
                return result
            except sqlite3.Error as exc:
                self._store_failing.set()
                self.count("store_write_failures")
                log.error("event %s: the result store or audit trail cannot be written (%s); retrying in %.1f s",
                          job.event_id, exc, delay)
            if self._stop.wait(delay):
                self.count(lost)
                log.error("event %s: %s", job.event_id, _LOST[lost])
                raise _Stopped
            delay = min(delay * 2, 30.0)

    def process(self, job: _Job) -> None:
        """Replay one job and store its sanitized result (skipped if already stored)."""
        from replay.runner import replay_document

        if job.issue_id is not None:
            job.event = self._fetch_issue_event(job)
            if job.event is None:
                return
        if self.store.seen(job.event_id):
            self.count("duplicates")
            log.info("event %s (project %s): already replayed, skipped", job.event_id, job.project)
            return
        from connectors.limits import DEFAULT_LIMITS
        from replay.audit import audit_replay
        from replay.parity import GateCache
        from replay.runner import ReplayResult
        from replay.store import INTERRUPTED

        if not self._durably(job, lambda: self.store.claim(job.event_id), lost="dropped_on_stop"):
            log.warning("event %s (project %s): %s", job.event_id, job.project, INTERRUPTED)
            result = ReplayResult(job.event_id, "inconclusive", INTERRUPTED, error=True)
        else:
            if self._parity is None:
                self._parity = GateCache(self.settings.target, ignore=self.settings.ignore_parity,
                                         refresh=self.settings.parity_refresh)
            result = replay_document(job.event, sanitizer=self.sanitizer(), target=self.settings.target,
                                     parity=self._parity.get(), limits=self.settings.event_limits or DEFAULT_LIMITS)
        job.event = None
        record = result.to_json()
        record["event_id"] = record.get("event_id") or job.event_id
        record["project"] = job.project
        record["via"] = job.via
        self._durably(job, lambda: self.store.record(job.event_id, record, source="serve"), lost="results_not_stored")
        self._durably(job, lambda: audit_replay(self.audit, result, target=self.settings.target.name,
                                                policy_hash=self.sanitizer().policy.hash, via=f"serve:{job.via}"),
                      lost="replays_not_audited")
        self.count("replayed")
        self.count(f"verdict_{result.verdict}")
        log.info("event %s (project %s, via %s): verdict %s, QA status %s", job.event_id, job.project,
                 job.via, result.verdict, result.status)

    def _fetch_issue_event(self, job: _Job) -> dict[str, Any] | None:
        from connectors.sentry_api import SentryAPIError, SentryClient

        try:
            with SentryClient.from_env() as client:
                event = client.fetch_event(job.issue_id, "latest")
        except SentryAPIError as exc:
            self.count("issue_fetch_errors")
            log.warning("issue %s: could not fetch its latest event (%s, HTTP %s)", job.issue_id,
                        type(exc).__name__, exc.status)
            return None
        from replay.ingest import normalize_event_id

        event_id = normalize_event_id(event.get("eventID") or event.get("event_id") or event.get("id"))
        if event_id is not None and event_id != job.event_id:
            job.event_id = event_id
        log.info("issue %s: fetched its latest event %s", job.issue_id, job.event_id)
        return event


def create_app(settings: ServeSettings, service: "ReplayService | None" = None) -> "FastAPI":
    """The ASGI app; ``app.state.service`` is its :class:`ReplayService`.

    Under uvicorn with lifespan on, startup starts the worker and shutdown stops it; otherwise
    call ``app.state.service.start()`` yourself.
    """
    from contextlib import asynccontextmanager

    from fastapi import FastAPI, HTTPException, Path, Query, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from starlette.concurrency import run_in_threadpool

    from connectors.errors import InputError
    from connectors.webhooks import (
        IssueOnly, WebhookConfigError, WebhookError, WebhookIgnored, event_from_webhook,
        verify_signature,
    )
    from replay import ingest

    service = service or ReplayService(settings)
    limits = ingest.Limits(settings.max_body_bytes, settings.max_decompressed_bytes, settings.max_ratio,
                           settings.event_limits or ingest.DEFAULT_LIMITS)
    keys = tuple(k for k in settings.dsn_keys if k)
    if not keys:
        log.warning("no DSN keys configured: every envelope and store request will get 401")

    @asynccontextmanager
    async def lifespan(app: "FastAPI") -> Any:
        service.start()
        try:
            yield
        finally:
            service.stop(drain=settings.drain_timeout)

    app = FastAPI(title="incident-replay serve", lifespan=lifespan,
                  description="Receives Sentry events (SDK envelopes, webhooks) and replays them "
                              "into a QA target; stores sanitized verdicts only.")
    app.state.service = service
    event_id = {"type": ["string", "null"], "pattern": ingest.EVENT_ID_PATTERN}
    event_body = {"type": "object", "description": "A Sentry event", "properties": {"event_id": event_id}}
    webhook_body = {"type": "object", "required": ["data"], "properties": {"data": {"type": "object"}}}
    project_id_param = Path(description="Sentry project id (a number)", json_schema_extra=_PROJECT_ID)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        """FastAPI's 422, without the ``input`` it would echo back (it may be personal data)."""
        errors = [{k: error[k] for k in ("loc", "msg", "type")} for error in exc.errors()]
        return JSONResponse({"detail": errors}, status_code=422)

    def refuse(status: int, detail: str, **headers: str) -> JSONResponse:
        return JSONResponse({"detail": detail}, status_code=status, headers=headers or None)

    def busy(exc: Busy, where: str) -> JSONResponse:
        """Not now: the client may send it again after Retry-After seconds."""
        log.warning("%s: %s, answered %d", where, exc.detail, exc.status)
        return refuse(exc.status, exc.detail, **{"Retry-After": str(settings.retry_after)})

    def rejected(exc: ingest.IngestError, where: str, kind: str | None = None) -> JSONResponse:
        """Count a refusal under its limit's name (else ``kind``, else its class), log it, answer it."""
        service.count(f"rejected_{exc.limit or kind or type(exc).__name__.removesuffix('Error').lower()}")
        log.warning("%s: refused with %d, %s", where, exc.status, exc)
        return refuse(exc.status, str(exc))

    async def read_body(request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limits.max_body_bytes:
            raise ingest.TooLargeError(f"body of {declared} bytes exceeds {limits.max_body_bytes} bytes",
                                       "max_body_bytes")
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > limits.max_body_bytes:
                raise ingest.TooLargeError(f"body exceeds {limits.max_body_bytes} bytes", "max_body_bytes")
        return bytes(body)

    async def ingest_request(request: Request, project_id: str, via: str) -> JSONResponse:
        service.count("requests")
        project = project_id if re.fullmatch(_PROJECT_ID["pattern"], project_id) else None
        if project is None:
            service.count("rejected_bad_project")
            log.warning("%s: refused, project id is not a number", via)
            return refuse(400, "project id must be a number")
        if not ingest.key_allowed(ingest.dsn_key(request.headers, request.query_params), keys):
            service.count("rejected_auth")
            log.warning("%s for project %s: refused, missing or unknown DSN key", via, project)
            return refuse(401, "missing or unknown DSN public key (sentry_key)")
        size = 0
        try:
            raw = await read_body(request)
            size = len(raw)
            # Decompressing and parsing up to the limits is CPU work: keep it off the event loop.
            body = await run_in_threadpool(ingest.decompress, raw, request.headers.get("content-encoding"), limits)
            parse = ingest.parse_envelope if via == "envelope" else ingest.parse_store
            delivery = await run_in_threadpool(parse, body, limits.event)
        except ingest.IngestError as exc:
            return rejected(exc, f"{via} for project {project} ({size} bytes)")
        for kind in delivery.dropped:
            service.count(f"dropped_{kind}")
            log.info("%s for project %s: dropped a %s item", via, project, kind)
        for event_id, event in delivery.events:
            try:
                if event.get("environment") in settings.qa_environments:
                    trace_id = service.record_qa_report(event)
                    log.info("event %s (project %s): QA error report for trace %s", event_id, project, trace_id)
                    continue
                queued = service.submit(_Job(event_id, project, via, event))
            except Busy as exc:
                return busy(exc, f"event {event_id} (project {project})")
            log.info("event %s (project %s, via %s, %d bytes, %d decompressed): %s", event_id, project,
                     via, size, len(body), "queued" if queued else "duplicate, not queued")
        event_id = delivery.events[0][0] if delivery.events else delivery.envelope_event_id
        return JSONResponse({"id": event_id} if event_id else {})

    ingest_refusals = _refusals(400, 401, 413, 415, 429, 503)

    @app.post("/api/{project_id}/envelope/", tags=["ingest"], summary="Sentry envelope endpoint (point a DSN here)",
              responses=ingest_refusals, openapi_extra=_operation(
                  "application/x-sentry-envelope", {"type": "string", "format": "binary"}, _INGEST_AUTH))
    async def envelope(request: Request, project_id: str = project_id_param) -> JSONResponse:
        return await ingest_request(request, project_id, "envelope")

    @app.post("/api/{project_id}/store/", tags=["ingest"], summary="Legacy Sentry store endpoint",
              responses=ingest_refusals, openapi_extra=_operation("application/json", event_body, _INGEST_AUTH))
    async def store(request: Request, project_id: str = project_id_param) -> JSONResponse:
        return await ingest_request(request, project_id, "store")

    @app.post("/webhooks/sentry", tags=["webhooks"],
              summary="Sentry integration-platform webhook (event_alert, error, issue.created)",
              responses={202: {"description": "An issue webhook: its latest event is fetched (or cannot be)"},
                         **_refusals(400, 401, 413, 429, 503)},
              openapi_extra=_operation("application/json", webhook_body, _WEBHOOK_HEADERS))
    async def webhook(request: Request) -> JSONResponse:
        service.count("webhooks")
        resource = (request.headers.get("sentry-hook-resource") or "").strip().lower()
        shown = ingest.safe_item_type(resource)
        try:
            body = await read_body(request)
        except ingest.TooLargeError as exc:
            return rejected(exc, f"webhook {shown}")
        try:
            verify_signature(body, request.headers.get("sentry-hook-signature"),
                             settings.webhook_secret or "", request.headers.get("sentry-hook-timestamp"),
                             max_age=settings.webhook_max_age)
        except WebhookConfigError as exc:
            service.count("rejected_webhook_unconfigured")
            log.error("webhook %s: refused with 503, %s (set --webhook-secret or SENTRY_CLIENT_SECRET)",
                      shown, exc)
            return refuse(503, "webhooks are not configured on this server")
        except WebhookError as exc:
            service.count("rejected_webhook_signature")
            log.warning("webhook %s (%d bytes): refused with 401, %s", shown, len(body), exc)
            return refuse(401, str(exc))
        try:
            if not resource:  # Sentry always names it; without it nothing says what the body is
                raise ingest.CorruptError("webhook has no Sentry-Hook-Resource header")
            found = event_from_webhook(resource, ingest.parse_json_body(body, "webhook body"))
            if not isinstance(found, IssueOnly):
                ingest.check_limits(found, limits.event, size=len(body))
        except ingest.IngestError as exc:
            return rejected(exc, f"webhook {shown} ({len(body)} bytes)", "webhook_shape")
        except WebhookIgnored as exc:
            service.count("webhooks_ignored")
            log.info("webhook %s: ignored, %s", shown, exc)
            return JSONResponse({"status": "ignored", "detail": str(exc)})
        except InputError as exc:
            service.count("rejected_webhook_shape")
            log.warning("webhook %s (%d bytes): refused with 400, %s", shown, len(body), exc)
            return refuse(400, str(exc))
        if isinstance(found, IssueOnly):
            return issue_webhook(found)
        raw_id = found.get("event_id")
        event_id = ingest.normalize_event_id(raw_id) if raw_id is not None else uuid.uuid4().hex
        if event_id is None:
            service.count("rejected_webhook_shape")
            log.warning("webhook %s: refused with 400, event_id is not a UUID", shown)
            return refuse(400, "webhook event has an event_id that is not a UUID")
        found["event_id"] = event_id
        project = str(found.get("project")) if isinstance(found.get("project"), int) else "webhook"
        try:
            queued = service.submit(_Job(event_id, project, "webhook", found))
        except Busy as exc:
            return busy(exc, f"event {event_id} (webhook {shown})")
        log.info("event %s (webhook %s, %d bytes): %s", event_id, shown, len(body),
                 "queued" if queued else "duplicate, not queued")
        return JSONResponse({"id": event_id})

    def issue_webhook(issue: IssueOnly) -> JSONResponse:
        if not os.environ.get("SENTRY_AUTH_TOKEN"):
            service.count("issues_not_fetched")
            log.warning("issue %s created: not replayed, SENTRY_AUTH_TOKEN is not set so its latest "
                        "event cannot be fetched", issue.issue_id)
            return JSONResponse({"status": "not_fetched", "issue_id": issue.issue_id,
                                 "detail": "set SENTRY_AUTH_TOKEN to replay issue webhooks"}, status_code=202)
        job = _Job(f"issue-{issue.issue_id}-{next(_ISSUE_SEQ)}", "webhook", "issue", issue_id=issue.issue_id)
        try:
            service.submit(job)
        except Busy as exc:
            return busy(exc, f"issue {issue.issue_id} created")
        log.info("issue %s created: queued a fetch of its latest event", issue.issue_id)
        return JSONResponse({"status": "queued", "issue_id": issue.issue_id}, status_code=202)

    @app.get("/health", tags=["status"], summary="Liveness, queue depth, counters and refusals per limit")
    def health() -> dict[str, Any]:
        status = service.health()
        counters = status["counters"]
        status["limits"] = {name: {"limit": value, "rejected": counters.get(f"rejected_{name}", 0)}
                            for name, value in limits.values().items()}
        return status

    def allow(request: Request, role: str) -> None:
        """Bearer-token check for the read API; every denial is audited (without the token)."""
        from replay.access import AccessDenied

        if settings.access is None:
            return
        try:
            settings.access.authorize(request.headers.get("authorization"), role)
        except AccessDenied as exc:
            service.count("denied")
            service.audit.append("denied", actor=exc.actor or "anonymous",
                                 details={"endpoint": request.url.path, "reason": str(exc)})
            log.warning("%s: denied (%s)", request.url.path, exc)
            raise HTTPException(exc.status, str(exc),
                                headers={"WWW-Authenticate": "Bearer"} if exc.status == 401 else None) from None

    @app.get("/api/results", tags=["results"], summary="Recent sanitized verdicts, newest first (viewer)",
             responses=_refusals(401, 403))
    def results(request: Request, limit: int = Query(50, ge=1, le=1000)) -> dict[str, Any]:
        allow(request, "viewer")
        return {"results": service.store.recent(limit)}

    @app.get("/api/qa-reports/{trace_id}", tags=["results"],
             summary="QA's own error for a replay, by the trace id the replayer sent (viewer)",
             responses=_refusals(401, 403, 404))
    def qa_report(request: Request, trace_id: str) -> dict[str, Any]:
        allow(request, "viewer")
        report = service.store.qa_report(trace_id)
        if report is None:
            raise HTTPException(404, "no QA error report for this trace id")
        return report

    @app.get("/api/results/{event_id}", tags=["results"], summary="The sanitized verdict of one event (viewer)",
             responses=_refusals(401, 403, 404))
    def result(request: Request, event_id: str) -> dict[str, Any]:
        allow(request, "viewer")
        normalized = ingest.normalize_event_id(event_id)
        record = service.store.get(normalized) if normalized else None
        if record is None:
            raise HTTPException(404, "no result stored for this event id")
        return record

    @app.get("/api/audit", tags=["audit"], summary="The audit trail and its verification (privacy-officer)",
             responses=_refusals(401, 403))
    def audit(request: Request, limit: int = Query(200, ge=1, le=10_000)) -> dict[str, Any]:
        allow(request, "privacy-officer")
        ok, first_bad, reason = service.audit.verify()
        records = [r.to_json() for r in service.audit.records()][-limit:]
        return {"verified": ok, "first_bad_seq": first_bad, "reason": reason, "records": records}

    return app


_ISSUE_SEQ = itertools.count(1)


def _keys_from_env() -> tuple[str, ...]:
    return tuple(k.strip() for k in os.environ.get("REPLAY_DSN_KEYS", "").split(",") if k.strip())


def event_limit_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--max-event-bytes`` and ``--max-depth``, one definition for every command that reads events."""
    from connectors.limits import DEFAULT_LIMITS, MAX_DEPTH_CEILING

    depth = click.option("--max-depth", default=DEFAULT_LIMITS.max_depth, show_default=True,
                         type=click.IntRange(1, MAX_DEPTH_CEILING),
                         help="Deepest nesting of objects and arrays accepted in one event.")
    size = click.option("--max-event-bytes", default=DEFAULT_LIMITS.max_event_bytes, show_default=True,
                        type=click.IntRange(min=1), help="Largest event accepted, in bytes (Sentry's own limit).")
    return size(depth(command))


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8990, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on (0: any free one).")
@click.option("--target", "target_spec", required=True, metavar="URL|NAME",
              help="QA target: a base URL, or a target name from the config file.")
@click.option("--config", type=click.Path(dir_okay=False), help="Targets file (TOML).")
@click.option("--dsn-key", "dsn_keys", multiple=True, metavar="KEY",
              help="Accepted DSN public key (repeatable; env REPLAY_DSN_KEYS, comma-separated).")
@click.option("--webhook-secret", envvar="SENTRY_CLIENT_SECRET", metavar="SECRET",
              help="Integration client secret for webhook signatures (env SENTRY_CLIENT_SECRET).")
@click.option("--store", "store_path", type=click.Path(dir_okay=False),
              help="Result store (SQLite). Default: REPLAY_HOME or ~/.local/share/incident-replay/results.sqlite3.")
@click.option("--policy", type=click.Path(exists=True, dir_okay=False), help="Sanitizer policy (YAML).")
@click.option("--ignore-parity", is_flag=True, help="Replay even when QA drifts from production (error drifts).")
@click.option("--queue-size", default=1000, show_default=True, type=click.IntRange(min=1),
              help="Events waiting for replay before ingest answers 429.")
@click.option("--max-body-bytes", default=1024 * 1024, show_default=True, type=click.IntRange(min=1),
              help="Largest request body accepted, as sent (compressed).")
@click.option("--max-decompressed-bytes", default=20 * 1024 * 1024, show_default=True,
              type=click.IntRange(min=1), help="Largest body accepted once decompressed.")
@click.option("--max-ratio", default=100.0, show_default=True, type=click.FloatRange(min=1),
              help="Largest decompressed/compressed size ratio accepted.")
@click.option("--drain-timeout", default=30.0, show_default=True, type=click.FloatRange(min=0), metavar="SECONDS",
              help="On SIGTERM/Ctrl-C, keep replaying the queued events for up to this long before stopping.")
@event_limit_options
def serve_command(host: str, port: int, target_spec: str, config: str | None, dsn_keys: tuple[str, ...],
                  webhook_secret: str | None, store_path: str | None, policy: str | None, ignore_parity: bool,
                  queue_size: int, max_body_bytes: int, max_decompressed_bytes: int, max_ratio: float,
                  max_event_bytes: int, max_depth: int, drain_timeout: float = 30.0) -> None:
    """Receive Sentry events and replay each one into QA; store sanitized verdicts.

    Point any sentry-sdk at it with a DSN (the key must be one of --dsn-key), and/or register
    http://HOST:PORT/webhooks/sentry as a Sentry integration webhook. Every accepted event is
    sanitized, replayed against --target and its verdict stored; GET /api/results lists them,
    GET /health shows the queue, the counters and the refusals per limit, /docs the OpenAPI
    description.

    \b
    Examples:
      replay serve --target http://127.0.0.1:8001 --dsn-key 0123abcd
          then in the app: sentry_sdk.init(dsn="http://0123abcd@127.0.0.1:8990/1")
      REPLAY_DSN_KEYS=k1,k2 replay serve --target qa --config replay.toml --port 9000
      SENTRY_CLIENT_SECRET=... SENTRY_AUTH_TOKEN=... replay serve --target qa
      curl -s 'http://127.0.0.1:8990/api/results?limit=5'
    """
    import uvicorn

    from connectors.limits import EventLimits
    from replay.access import load_access
    from replay.config import config_path, resolve_target
    from replay.errors import ConfigError
    from sanitizers import PolicyError, Sanitizer, load_policy

    try:
        target = resolve_target(target_spec, config)
        sanitizer = Sanitizer(load_policy(policy))
        access = load_access(config_path(config))
    except (ConfigError, PolicyError) as exc:
        raise click.UsageError(str(exc)) from None
    keys = tuple(dsn_keys) or _keys_from_env()
    if not keys and not webhook_secret:
        raise click.UsageError("nothing could be accepted: give --dsn-key (or REPLAY_DSN_KEYS) "
                               "and/or --webhook-secret (or SENTRY_CLIENT_SECRET)")
    if access is None and host not in ("127.0.0.1", "::1", "localhost"):
        raise click.UsageError(f"refusing to serve the results API on {host} without [access.tokens] in the config")
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = ServeSettings(target=target, store_path=store_path, dsn_keys=keys, webhook_secret=webhook_secret,
                             policy=policy, sanitizer=sanitizer, queue_size=queue_size,
                             max_body_bytes=max_body_bytes, max_decompressed_bytes=max_decompressed_bytes,
                             max_ratio=max_ratio, event_limits=EventLimits(max_event_bytes, max_depth),
                             ignore_parity=ignore_parity, access=access, drain_timeout=drain_timeout)
    app = create_app(settings)
    log.info("serving on http://%s:%d (target %s, %d DSN key(s), webhooks %s, store %s, API %s)", host, port,
             target.name, len(keys), "on" if webhook_secret else "off", app.state.service.store.path,
             "token-protected" if access else "open on loopback")
    # No access log: request lines carry query strings (sentry_key) we do not want in logs.
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="info")
    app.state.service.close()
