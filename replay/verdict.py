"""Decide whether QA failed the way production did, and say on what evidence."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import orjson

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
    values = _list(_dict(event.get("exception")).get("values"))
    last = _dict(values[-1]) if values else {}
    frames = [f for f in _list(_dict(last.get("stacktrace")).get("frames")) if isinstance(f, dict)]
    in_app = [f for f in frames if f.get("in_app")]
    top = (in_app or frames)[-1] if (in_app or frames) else {}
    return ErrorSignature(
        exception_type=_text(last.get("type")),
        message=_template(last.get("value")),
        top_frame=_text(top.get("function")),
        status=_status(event),
        fingerprint=tuple(str(f) for f in _list(event.get("fingerprint"))),
    )


def trace_id_of(event: dict[str, Any]) -> str | None:
    return _text(_dict(_dict(event.get("contexts")).get("trace")).get("trace_id"))


def _status(event: dict[str, Any]) -> int | None:
    response = _dict(_dict(event.get("contexts")).get("response"))
    if isinstance(response.get("status_code"), int):
        return response["status_code"]
    tags = event.get("tags")
    pairs = tags.items() if isinstance(tags, dict) else [tuple(t) for t in _list(tags) if isinstance(t, (list, tuple)) and len(t) == 2]
    for key, value in pairs:
        if key in ("http.status_code", "status_code") and str(value).isascii() and str(value).isdigit():
            return int(value)  # isascii: "²" and other digits of other scripts are isdigit() but no int
    return None


# A sanitized event is read as it came: any field may hold another JSON type than Sentry's schema says.
def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


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
    if signature.exception_type:
        reported = _reported_type(outcome.body)
        if reported is not None and _base_name(reported) != _base_name(signature.exception_type):
            return Verdict("not_reproduced", f"QA failed with {outcome.status} but reported {reported} where "
                           f"production raised {signature.exception_type}", "error match")
        if reported is not None or _names_type(outcome.body, signature.exception_type):
            return Verdict("reproduced", f"QA failed with {outcome.status} and reported {signature.exception_type}",
                           "error match")
    return Verdict("reproduced", f"QA failed with {outcome.status} where production failed", "status only")


_TYPE_FIELDS = ("exception", "exception_type", "error_type")  # Spring Boot, the example shop, many APIs
_IDENTIFIER = re.compile(r"[A-Za-z_][\w.$]{0,199}")


def _reported_type(body: str) -> str | None:
    """The exception type a JSON error body names in a field of its own (``{"exception":
    "KeyError"}``, or ``{"error": {"type": ...}}``): where there is one, it decides, since a
    message may quote the type it wrapped (``ShopServiceError: ValueError: ...``). A top-level
    ``type`` is left alone: in a problem+json body it is the problem's kind, not a class."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:  # also for nesting deeper than orjson's limit
        return None
    if not isinstance(data, dict):
        return None
    nested = [data[k] for k in ("error", "exception") if isinstance(data.get(k), dict)]
    candidates = [data.get(name) for name in _TYPE_FIELDS] + [n.get(name) for n in nested for name in ("type", *_TYPE_FIELDS)]
    return next((c for c in candidates if isinstance(c, str) and _IDENTIFIER.fullmatch(c)), None)


def _names_type(body: str, exception_type: str) -> bool:
    """Whether a body (a debug page, a text trace) names the type as a word of its own:
    ``Error`` is no match for ``ValueError``, ``KeyError`` none for ``KeyErrors``."""
    name = re.escape(_base_name(exception_type))
    return re.search(rf"(?<![\w$]){name}(?![\w$])", body) is not None


def _base_name(exception_type: str) -> str:
    """``builtins.ValueError``, ``java.lang.IllegalStateException``, ``Foo::Bar``: the class itself."""
    return re.split(r"[.:$\\]", exception_type)[-1] or exception_type


def _same_error(production: ErrorSignature, qa: ErrorSignature) -> bool:
    """Same exception type, and the same top in-app frame or message template."""
    return production.exception_type == qa.exception_type and (
        (production.top_frame is not None and production.top_frame == qa.top_frame)
        or (production.message is not None and production.message == qa.message))


def _describe(signature: ErrorSignature) -> str:
    where = f" in {signature.top_frame}" if signature.top_frame else ""
    return f"{signature.exception_type}{where}"
