"""Decide whether QA failed the way production did, and say on what evidence."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from replay.send import Outcome

__all__ = ["ErrorSignature", "Verdict", "decide", "signature_of", "trace_id_of"]


@dataclass(frozen=True)
class ErrorSignature:
    """Production's error, as far as the event tells: enough to recognise it again."""

    exception_type: str | None = None
    message: str | None = None
    top_frame: str | None = None
    status: int | None = None
    fingerprint: tuple[str, ...] = ()


@dataclass
class Verdict:
    verdict: str  # reproduced | not_reproduced | inconclusive | blocked
    reason: str
    evidence: str = "none"  # error match | status only | none
    details: dict[str, Any] = field(default_factory=dict)


def signature_of(event: dict[str, Any]) -> ErrorSignature:
    values = (event.get("exception") or {}).get("values") or []
    last = values[-1] if values and isinstance(values[-1], dict) else {}
    frames = ((last.get("stacktrace") or {}).get("frames") or [])
    in_app = [f for f in frames if isinstance(f, dict) and f.get("in_app")]
    top = (in_app or frames)[-1] if (in_app or frames) else {}
    return ErrorSignature(
        exception_type=last.get("type"),
        message=_template(last.get("value")),
        top_frame=top.get("function") if isinstance(top, dict) else None,
        status=_status(event),
        fingerprint=tuple(str(f) for f in event.get("fingerprint") or ()),
    )


def trace_id_of(event: dict[str, Any]) -> str | None:
    trace = (event.get("contexts") or {}).get("trace") or {}
    value = trace.get("trace_id") if isinstance(trace, dict) else None
    return value if isinstance(value, str) and value else None


def _status(event: dict[str, Any]) -> int | None:
    response = (event.get("contexts") or {}).get("response") or {}
    if isinstance(response, dict) and isinstance(response.get("status_code"), int):
        return response["status_code"]
    tags = event.get("tags") or []
    pairs = tags.items() if isinstance(tags, dict) else [tuple(t) for t in tags if isinstance(t, (list, tuple)) and len(t) == 2]
    for key, value in pairs:
        if key in ("http.status_code", "status_code") and str(value).isascii() and str(value).isdigit():
            return int(value)  # isascii: "²" and other digits of other scripts are isdigit() but no int
    return None


def _template(message: Any) -> str | None:
    """Ids, numbers and quoted values vary between runs (and fakes change them): normalize them."""
    if not isinstance(message, str):
        return None
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "<str>", message)
    return re.sub(r"\b[0-9a-fA-F-]{8,}\b|\d+", "<n>", text)


def decide(signature: ErrorSignature, outcome: Outcome, qa_error: ErrorSignature | None = None) -> Verdict:
    """``qa_error`` is QA's own error event for this replay (matched by trace id), when it sent one."""
    if outcome.refused:
        return Verdict("blocked", outcome.refused)
    if outcome.status is None:
        return Verdict("inconclusive", outcome.error or "no response from QA")
    if qa_error is not None and qa_error.exception_type:
        if _same_error(signature, qa_error):
            return Verdict("reproduced", f"QA reported the same error: {_describe(qa_error)}", "QA error event")
        return Verdict("not_reproduced", f"QA failed differently: {_describe(qa_error)} where production raised "
                       f"{_describe(signature)}", "QA error event")
    failed = outcome.status >= 500 or (signature.status is not None and outcome.status == signature.status
                                        and outcome.status >= 400)
    if not failed:
        return Verdict("not_reproduced", f"QA answered {outcome.status}", "status only")
    if signature.exception_type and signature.exception_type in outcome.body:
        return Verdict("reproduced", f"QA failed with {outcome.status} and reported {signature.exception_type}",
                       "error match")
    return Verdict("reproduced", f"QA failed with {outcome.status} where production failed", "status only")


def _same_error(production: ErrorSignature, qa: ErrorSignature) -> bool:
    """Same exception type, and the same top in-app frame or message template."""
    return production.exception_type == qa.exception_type and (
        (production.top_frame is not None and production.top_frame == qa.top_frame)
        or (production.message is not None and production.message == qa.message))


def _describe(signature: ErrorSignature) -> str:
    where = f" in {signature.top_frame}" if signature.top_frame else ""
    return f"{signature.exception_type}{where}"
