"""The replay chain for one event: normalize, sanitize, rebuild, send, decide.

Each step is a plain function over plain data; this module only strings them together and turns
each step's failure into a result, so one bad event never stops a batch.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

from connectors import InputError, normalize_event
from connectors.limits import DEFAULT_LIMITS, EventLimits
from replay.errors import RequestError
from replay.ingest import normalize_event_id
from replay.holes import fill_holes
from replay.parity import ParityGate
from replay.request import RequestSpec, rebuild_request
from replay.send import Outcome, send
from replay.target import Target
from replay.verdict import ErrorSignature, Verdict, decide, signature_of
from sanitizers import Sanitizer

__all__ = ["ReplayResult", "replay_document"]


@dataclass
class ReplayResult:
    """One replay's outcome; holds sanitized data only, so it may be printed, stored or sent."""

    event_id: str | None
    verdict: str
    reason: str
    status: int | None = None
    request: dict[str, str] | None = None
    evidence: str = "none"
    holes: list[str] = field(default_factory=list)
    error: bool = False
    parity: dict[str, Any] | None = None
    sanitized_event: dict | None = field(default=None, repr=False)
    spec: RequestSpec | None = field(default=None, repr=False)
    outcome: Outcome | None = field(default=None, repr=False)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("sanitized_event", "spec", "outcome"):
            data.pop(key)
        return data


def _qa_error(target: Target, outcome: Outcome, client: httpx.Client | None) -> ErrorSignature | None:
    """QA's own error event for this replay, from the `replay serve` it reports to, if it sent one."""
    if not target.qa_reports or outcome.status is None or outcome.status < 400 or not outcome.trace_id:
        return None  # QA answered well: no error report to wait for
    url = f"{target.qa_reports}/api/qa-reports/{outcome.trace_id}"
    deadline = time.monotonic() + target.qa_report_wait
    with contextlib.nullcontext(client) if client is not None else httpx.Client(trust_env=False) as http:
        while True:
            try:
                response = http.get(url, timeout=2.0)
            except httpx.HTTPError:
                return None
            if response.status_code == 200:
                fields = {f: response.json().get(f) for f in ErrorSignature.__dataclass_fields__}
                fields["fingerprint"] = tuple(fields["fingerprint"] or ())
                return ErrorSignature(**fields)
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.1)


def replay_document(document: Any, *, sanitizer: Sanitizer, target: Target,
                    client: httpx.Client | None = None, parity: ParityGate | None = None,
                    limits: EventLimits = DEFAULT_LIMITS) -> ReplayResult:
    """Replay one event document (any Sentry dialect) against ``target``.

    With a ``parity`` gate, QA's drift from the event's environment is checked first: error
    drifts block the send, and a ``not_reproduced`` under drift says the drift may explain it.
    """
    try:
        event = normalize_event(document, limits)
    except InputError as exc:
        return ReplayResult(None, "inconclusive", str(exc), error=True)
    event_id = normalize_event_id(event.get("event_id"))  # anything else may be data: never shown, never a name
    result = sanitizer.sanitize(event)
    if result.blocked:
        first = result.leaks[0]
        return ReplayResult(event_id, "blocked", f"sanitizer blocked the event: {first['reason']} at {first['path']}",
                            error=True)
    clean = result.event
    try:
        spec = rebuild_request(clean)
    except RequestError as exc:
        return ReplayResult(event_id, "inconclusive", str(exc), error=True, sanitized_event=clean)
    spec = fill_holes(spec, target)
    request = {"method": spec.method, "path": spec.target_path}
    report = parity.check(clean) if parity is not None else None
    parity_json = report.to_json() if report is not None else None
    if report is not None and parity.blocks(report):
        return ReplayResult(event_id, "blocked", f"QA drifts from production: {report.summary()}",
                            request=request, holes=spec.holes, parity=parity_json, sanitized_event=clean, spec=spec)
    signature = signature_of(clean)
    outcome = send(spec, target, client=client)
    verdict: Verdict = decide(signature, outcome, _qa_error(target, outcome, client))
    if verdict.verdict == "not_reproduced" and report is not None and report.drifts:
        verdict.reason += f" (QA drifts from production: {report.summary()}; the drift may explain it)"
    return ReplayResult(
        event_id=event_id,
        verdict=verdict.verdict,
        reason=verdict.reason,
        status=outcome.status,
        request=request,
        evidence=verdict.evidence,
        holes=spec.holes,
        error=outcome.error is not None and outcome.status is None,
        parity=parity_json,
        sanitized_event=clean,
        spec=spec,
        outcome=outcome,
    )
