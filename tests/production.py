"""Real production errors for tests: the example shop with sentry-sdk capturing in memory."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import sentry_sdk

from examples.shop import BUGS, MemoryTransport, create_app, init_sentry, serve_in_thread

__all__ = ["capture_bug_events", "capture_events"]


def capture_events(requests: list[dict[str, Any]]) -> list[dict]:
    """Send each request ({method, path, json|query, headers?}) to a production shop; return its error events."""
    transport = MemoryTransport()
    init_sentry(transport=transport, environment="production")
    app = create_app(release="shop@1.4.2")
    app.logger.disabled = True
    logging.getLogger("werkzeug").disabled = True
    base_url, shutdown = serve_in_thread(app)
    try:
        with httpx.Client(base_url=base_url, timeout=10) as client:
            for req in requests:
                client.request(req["method"], req["path"], json=req.get("json"), params=req.get("query"),
                               headers=req.get("headers"))
    finally:
        shutdown()
        sentry_sdk.get_client().close()
        sentry_sdk.init()
    return list(transport.events)


def capture_bug_events(*names: str) -> dict[str, dict]:
    """One captured production event per planted bug, keyed by bug name."""
    events = capture_events([BUGS[name].example for name in names])
    assert len(events) == len(names), "every planted bug must produce exactly one error event"
    return dict(zip(names, events))
