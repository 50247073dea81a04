"""An incident bundle: everything about one replay worth sharing, sanitized only.

``DIR/<event id>/`` holds the sanitized event, the request as sent (minus the target's injected
credentials), a cURL script, QA's response excerpt and the verdict, so a teammate can look and
iterate without access to production, Sentry or the original data.
"""

from __future__ import annotations

from pathlib import Path

import orjson

from replay.curl import curl_command
from replay.errors import OutputError
from replay.runner import ReplayResult
from replay.target import Target

__all__ = ["save_bundle"]


def save_bundle(directory: str | Path, name: str, result: ReplayResult, target: Target) -> Path:
    """Write the bundle for ``result`` under ``directory/name`` and return that folder."""
    folder = Path(directory) / _safe(name)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot write a bundle to {folder} ({exc.strerror})") from None
    _json(folder / "verdict.json", result.to_json())
    if result.sanitized_event is not None:
        _json(folder / "event.json", result.sanitized_event)
    if result.spec is not None:
        spec = result.spec
        _json(folder / "request.json", {"method": spec.method, "path": spec.target_path, "headers": spec.headers,
                                        "body": spec.body.decode("utf-8", "replace"), "holes": spec.holes})
        (folder / "curl.sh").write_text("#!/bin/sh\n" + curl_command(spec, target) + "\n", encoding="utf-8")
    if result.outcome is not None:
        outcome = result.outcome
        (folder / "response.txt").write_text(
            f"status: {outcome.status}\nerror: {outcome.error}\nelapsed_ms: {outcome.elapsed_ms:.0f}\n\n{outcome.body}",
            encoding="utf-8")
    return folder


def _json(path: Path, data: object) -> None:
    path.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n")


def _safe(name: str) -> str:
    """A folder name of the event id's own characters: never a path, nor ``.`` or ``..``."""
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)[:100]
    return safe if safe.strip(".") else "event"
