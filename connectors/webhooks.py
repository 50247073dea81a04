"""Check and unpack Sentry integration-platform webhooks.

Why verify before parsing: a webhook endpoint is reachable by anyone, and what it receives gets
replayed into QA. Sentry signs each delivery with the integration's client secret
(``Sentry-Hook-Signature``: hex HMAC-SHA256 of the raw body) and stamps it with
``Sentry-Hook-Timestamp`` (Unix seconds). The timestamp is *not* covered by the signature, so the
age check only narrows replays of captured deliveries; it cannot rule them out.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import time
from dataclasses import dataclass
from typing import Any

from connectors.errors import ConnectorError, InputError

__all__ = [
    "EVENT_RESOURCES", "IssueOnly", "WebhookConfigError", "WebhookError", "WebhookIgnored",
    "WebhookMissingSignatureError", "WebhookSignatureError", "WebhookStaleError",
    "WebhookTimestampError", "event_from_webhook", "verify_signature",
]

#: ``Sentry-Hook-Resource`` values whose body carries a full event, and where it sits in ``data``.
EVENT_RESOURCES = {"event_alert": "event", "error": "error"}
_NUMERIC = re.compile(r"[0-9]{1,20}")


class WebhookError(ConnectorError):
    """A webhook delivery was refused."""


class WebhookConfigError(WebhookError):
    """The receiver is misconfigured (no client secret): nothing can be verified."""


class WebhookSignatureError(WebhookError):
    """The signature does not match the body: not from Sentry, or altered on the way."""


class WebhookMissingSignatureError(WebhookSignatureError):
    """The delivery carries no ``Sentry-Hook-Signature`` at all."""


class WebhookTimestampError(WebhookError):
    """``Sentry-Hook-Timestamp`` is missing or not a number."""


class WebhookStaleError(WebhookTimestampError):
    """The delivery is older (or further in the future) than ``max_age`` allows."""


class WebhookIgnored(ConnectorError):
    """A well-formed webhook with nothing to replay (another resource or issue action).

    Not an :class:`InputError`: a receiver should acknowledge it (HTTP 200) and move on.
    """


@dataclass(frozen=True, slots=True)
class IssueOnly:
    """An ``issue.created`` webhook: it names an issue but carries no event.

    Fetch the event with ``SentryClient.fetch_event(issue_id, "latest")``.
    """

    issue_id: str
    short_id: str | None = None
    project_slug: str | None = None
    action: str = "created"


def verify_signature(body: bytes, signature: str | None, secret: str, timestamp: str | None,
                     *, now: float | None = None, max_age: float = 300) -> None:
    """Raise unless ``signature`` is Sentry's HMAC of ``body`` and ``timestamp`` is recent.

    ``body`` must be the raw bytes as received: re-serialized JSON will not match.
    """
    if not secret:
        raise WebhookConfigError("no webhook client secret configured: cannot verify deliveries")
    if signature is None or not signature.strip():
        raise WebhookMissingSignatureError("webhook has no Sentry-Hook-Signature header")
    expected = hmac.new(secret.encode("utf-8"), bytes(body), hashlib.sha256).hexdigest()
    # Bytes, not str: compare_digest refuses non-ASCII str, and a header may hold anything.
    given = signature.strip().lower().encode("utf-8", "replace")
    if not hmac.compare_digest(expected.encode("ascii"), given):
        raise WebhookSignatureError("webhook signature does not match the body "
                                    "(wrong client secret, or the body was altered)")
    if timestamp is None or not timestamp.strip():
        raise WebhookTimestampError("webhook has no Sentry-Hook-Timestamp header")
    try:
        sent = float(timestamp.strip())
    except ValueError:
        sent = math.nan
    if not math.isfinite(sent):
        raise WebhookTimestampError("Sentry-Hook-Timestamp is not a Unix time in seconds")
    age = (time.time() if now is None else now) - sent
    if abs(age) > max_age:
        when = "old" if age > 0 else "in the future"
        raise WebhookStaleError(f"webhook timestamp is {abs(age):.0f} s {when}, beyond the "
                                f"{max_age:g} s allowed: refusing a possible replay")


def event_from_webhook(resource: str, body: dict[str, Any]) -> dict[str, Any] | IssueOnly:
    """The raw event an ``event_alert``/``error`` webhook carries, or :class:`IssueOnly`.

    ``resource`` is the ``Sentry-Hook-Resource`` header. Malformed bodies raise
    :class:`InputError` naming the missing part; deliveries with nothing to replay raise
    :class:`WebhookIgnored`. The event is returned as sent: run it through ``normalize_event``.
    """
    kind = (resource or "").strip().lower()
    if not isinstance(body, dict):
        raise InputError("webhook body must be a JSON object")
    data = body.get("data")
    if not isinstance(data, dict):
        raise InputError(f"{_label(kind)} webhook body has no 'data' object")
    if kind in EVENT_RESOURCES:
        key = EVENT_RESOURCES[kind]
        if not isinstance(data.get(key), dict):
            raise InputError(f"{kind} webhook body has no 'data.{key}' object")
        return data[key]
    if kind != "issue":
        raise WebhookIgnored(f"webhook resource {_label(kind)} carries no event to replay")
    action = body.get("action")
    if action != "created":
        raise WebhookIgnored(f"issue webhook action {_label(action)} is not replayed; only 'created' is")
    issue = data.get("issue")
    if not isinstance(issue, dict):
        raise InputError("issue webhook body has no 'data.issue' object")
    issue_id = issue.get("id")
    if isinstance(issue_id, bool) or not _NUMERIC.fullmatch(str(issue_id)):
        raise InputError("issue webhook body has no numeric 'data.issue.id'")
    project = issue.get("project")
    return IssueOnly(
        issue_id=str(issue_id),
        short_id=issue.get("shortId") if isinstance(issue.get("shortId"), str) else None,
        project_slug=project.get("slug") if isinstance(project, dict)
        and isinstance(project.get("slug"), str) else None,
    )


_NAME = re.compile(r"[a-z_]{1,40}")


def _label(value: object) -> str:
    """A resource or action name as messages may quote it: Sentry's names are short lower-case
    words; anything else is not echoed (headers and bodies come from the network)."""
    return repr(value) if isinstance(value, str) and _NAME.fullmatch(value) else "(unrecognized)"
