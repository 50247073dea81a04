"""`replay demo`: production error → captured event → sanitized → replayed on QA → verdict.

Everything runs on this machine: the example shop as "production" in this process (sentry-sdk
captures its errors in memory, no network), and a second shop as "QA" in a subprocess whose
request log proves what QA received.
"""

from __future__ import annotations

import json
import logging
import re
import os
from collections import defaultdict
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from replay.curl import curl_command
from replay.runner import replay_document
from replay.target import target_from_url
from sanitizers import Sanitizer
from sanitizers.engine import secret_key_from_env

__all__ = ["run_demo", "PERSONAL_CHECKOUT", "capture_production_events", "start_shop"]

#: A checkout as a real customer would send it; the non-ASCII name trips the invoice bug.
PERSONAL_CHECKOUT = {
    "customer": {
        "name": "Jörg Müller",
        "email": "joerg.mueller+shop@muellerhaus.de",
        "phone": "+49 30 90182736",
        "address": "Hauptstraße 5, 10115 Berlin",
    },
    "card": {"number": "4539 1488 0343 6467", "expiry": "09/28", "cvc": "737"},
    "items": [{"sku": "TSHIRT-001", "qty": 2}, {"sku": "MUG-002", "qty": 1}],
}
_PERSONAL_HEADERS = {"X-Forwarded-For": "84.114.89.168", "X-Customer-Email": "joerg.mueller+shop@muellerhaus.de"}


def start_shop(*args: str, env: dict | None = None) -> tuple[subprocess.Popen, str]:
    """Start ``python -m examples.shop`` and return (process, base URL) once it listens."""
    proc = subprocess.Popen([sys.executable, "-m", "examples.shop", "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            cwd=Path(__file__).resolve().parent.parent, env=env)
    line = proc.stdout.readline().strip()
    if not line.startswith("listening on "):
        proc.kill()
        raise RuntimeError("the example shop did not start")
    return proc, line.removeprefix("listening on ")


def capture_production_events(requests: list[dict[str, Any]]) -> tuple[list[int], list[dict]]:
    """Send each request ({method, path, json?, query?, headers?, cookies?}) to an in-process
    production shop whose sentry-sdk captures errors in memory; return (statuses, events)."""
    import sentry_sdk

    from examples.shop import MemoryTransport, create_app, init_sentry, serve_in_thread

    transport = MemoryTransport()
    init_sentry(transport=transport, environment="production")
    app = create_app(release="shop@1.4.2")
    app.logger.disabled = True  # production's own logs hold raw values: keep them off our terminal
    logging.getLogger("werkzeug").disabled = True
    base_url, shutdown = serve_in_thread(app)
    try:
        with httpx.Client(base_url=base_url, timeout=10) as client:
            statuses = [client.request(r["method"], r["path"], json=r.get("json"), params=r.get("query"),
                                       headers=_with_cookies(r.get("headers"), r.get("cookies"))).status_code
                        for r in requests]
    finally:
        shutdown()
        sentry_sdk.get_client().close()
        sentry_sdk.init()
    return statuses, list(transport.events)


def _with_cookies(headers: dict | None, cookies: dict | None) -> dict:
    """Cookies as a Cookie header: httpx deprecates per-request cookie jars."""
    out = dict(headers or {})
    if cookies:
        out["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    return out


def _capture_production_error(console: Console) -> dict:
    request = {"method": "POST", "path": "/api/checkout", "json": PERSONAL_CHECKOUT,
               "headers": _PERSONAL_HEADERS, "cookies": {"cart_id": "c-88213"}}
    (status,), events = capture_production_events([request])
    console.print(f"1. [bold]production[/] answered [red]{status}[/] to POST /api/checkout; "
                  f"sentry-sdk captured {len(events)} error event(s)")
    if not events:
        raise RuntimeError("production did not report an error event")
    return events[0]


def run_demo(*, keep_running: bool = False) -> int:
    """Run the demo; 0 when the bug reproduced and QA saw no original personal value."""
    console = Console()
    console.rule("incident-replay demo")
    raw_event = _capture_production_error(console)

    key, _ = secret_key_from_env()
    sanitizer = Sanitizer(key=key)
    result = sanitizer.sanitize(raw_event)
    if result.blocked:
        console.print(f"[red]the sanitizer blocked the event[/]: {result.leaks[0]['reason']}")
        return 1
    console.print(_changes_table(result.changes))
    del raw_event  # raw data lives only in memory, between capture and the sanitizer

    with tempfile.TemporaryDirectory(prefix="replay-demo-") as tmp:
        log = Path(tmp) / "qa-requests.jsonl"
        env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
        qa, qa_url = start_shop("--role", "qa", "--request-log", str(log), env=env)
        try:
            console.print(f"3. [bold]QA[/] shop started at {qa_url}")
            target = target_from_url(qa_url)
            replayed = replay_document(result.event, sanitizer=sanitizer, target=target)
            seen = log.read_text("utf-8") if log.exists() else ""
            leaked = [name for name, value in _personal_values().items() if _appears(value, seen)]
            colour = "bold red" if replayed.verdict == "reproduced" else "yellow"
            console.print(f"4. replayed {replayed.request['method']} {replayed.request['path']} → QA answered "
                          f"{replayed.status}: verdict [{colour}]{replayed.verdict}[/] ({replayed.reason}; "
                          f"evidence: {replayed.evidence})")
            if leaked:
                console.print(f"[red]5. QA received original personal values: {', '.join(leaked)}[/]")
            else:
                console.print(f"5. QA's request log holds none of the {len(_personal_values())} original personal values")
            if replayed.spec is not None:
                console.print("\nIterate with this sanitized request:", style="dim")
                console.print(curl_command(replayed.spec, target), markup=False, highlight=False, soft_wrap=True)
            console.print(f"\nverdict: [{colour}]{replayed.verdict}[/]")
            if keep_running:
                console.print(f"QA keeps running at {qa_url}; Ctrl-C to stop.")
                qa.wait()
        except KeyboardInterrupt:
            pass
        finally:
            qa.terminate()
            qa.wait(timeout=10)
    return 0 if replayed.verdict == "reproduced" and not leaked else 1


def _changes_table(changes: list) -> Table:
    by_rule: dict[tuple[str, str, str], list] = defaultdict(list)
    for change in changes:
        by_rule[(change.rule, change.entity, change.action)].append(change)
    table = Table(title="2. sanitized: what each rule did (original values are never shown)")
    for column in ("rule", "entity", "action", "count", "example path (original length)"):
        table.add_column(column, overflow="fold")
    for (rule, entity, action), items in by_rule.items():
        table.add_row(rule, entity, action, str(len(items)), f"{items[-1].path} ({items[-1].length})")
    return table


def _personal_values() -> dict[str, str]:
    customer, card = PERSONAL_CHECKOUT["customer"], PERSONAL_CHECKOUT["card"]
    return {"name": customer["name"], "email": customer["email"], "phone": customer["phone"],
            "address": customer["address"], "card": card["number"], "cvc": card["cvc"],
            "ip": _PERSONAL_HEADERS["X-Forwarded-For"]}


def _appears(value: str, text: str) -> bool:
    """Whether ``value`` is in ``text`` in any encoding, as a whole token: the cvc 737 must not
    be found inside a timestamp or a port number."""
    from urllib.parse import quote, quote_plus

    forms = {value, quote(value), quote_plus(value), json.dumps(value)[1:-1],
             value.encode("unicode_escape").decode(), value.replace(" ", "")}
    return any(re.search(rf"(?<![0-9A-Za-z]){re.escape(form)}(?![0-9A-Za-z])", text) for form in forms if form)
