"""Decide whether QA failed the way production did, and say on what evidence."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from replay.send import Outcome

__all__ = ["ErrorSignature", "Verdict", "decide", "signature_of"]


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


def _status(event: dict[str, Any]) -> int | None:
    response = (event.get("contexts") or {}).get("response") or {}
    if isinstance(response, dict) and isinstance(response.get("status_code"), int):
        return response["status_code"]
    tags = event.get("tags") or []
    pairs = tags.items() if isinstance(tags, dict) else [tuple(t) for t in tags if isinstance(t, (list, tuple)) and len(t) == 2]
    for key, value in pairs:
        if key in ("http.status_code", "status_code") and str(value).isdigit():
            return int(value)
    return None


def _template(message: Any) -> str | None:
    """Ids, numbers and quoted values vary between runs (and fakes change them): normalize them."""
    if not isinstance(message, str):
        return None
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "<str>", message)
    return re.sub(r"\b[0-9a-fA-F-]{8,}\b|\d+", "<n>", text)


def decide(signature: ErrorSignature, outcome: Outcome) -> Verdict:
    if outcome.refused:
        return Verdict("blocked", outcome.refused)
    if outcome.status is None:
        return Verdict("inconclusive", outcome.error or "no response from QA")
    failed = outcome.status >= 500 or (signature.status is not None and outcome.status == signature.status
                                        and outcome.status >= 400)
    if not failed:
        return Verdict("not_reproduced", f"QA answered {outcome.status}", "status only")
    if signature.exception_type and signature.exception_type in outcome.body:
        return Verdict("reproduced", f"QA failed with {outcome.status} and reported {signature.exception_type}",
                       "error match")
    return Verdict("reproduced", f"QA failed with {outcome.status} where production failed", "status only")
