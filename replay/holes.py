"""Holes: values Sentry or the SDK removed before we saw them (``[Filtered]``).

A replay that sends ``Authorization: [Filtered]`` tests nothing, so each hole is filled from the
target's config (QA credentials in ``headers``, a QA test session in ``cookies``) or dropped, and
every hole is listed in the result, because reproduction may hinge on it.
"""

from __future__ import annotations

from dataclasses import replace

from replay.request import PLACEHOLDERS, RequestSpec
from replay.target import Target

__all__ = ["fill_holes"]


def fill_holes(spec: RequestSpec, target: Target) -> RequestSpec:
    """``spec`` with placeholder headers and cookies filled from ``target`` or left out."""
    provided = {name.lower() for name, _ in target.headers}
    cookies = dict(target.cookies)
    headers: list[tuple[str, str]] = []
    holes = list(spec.holes)
    for name, value in spec.headers:
        if name.lower() == "cookie":
            value = _fill_cookies(value, cookies, holes)
            if value:
                headers.append((name, value))
        elif value not in PLACEHOLDERS:
            headers.append((name, value))
        elif name.lower() in provided:
            holes.append(f"header {name}: removed before capture, filled from target {target.name!r}")
        else:
            holes.append(f"header {name}: removed before capture, not sent (no value in the target's headers)")
    return replace(spec, headers=headers, holes=holes)


def _fill_cookies(header: str, cookies: dict[str, str], holes: list[str]) -> str:
    if header in PLACEHOLDERS:
        holes.append("cookies: removed before capture" + (", filled from the target" if cookies else ", not sent"))
        return "; ".join(f"{k}={v}" for k, v in cookies.items())
    out = []
    for part in header.split("; "):
        name, _, value = part.partition("=")
        if value not in PLACEHOLDERS:
            out.append(part)
        elif name in cookies:
            out.append(f"{name}={cookies[name]}")
            holes.append(f"cookie {name}: removed before capture, filled from the target")
        else:
            holes.append(f"cookie {name}: removed before capture, not sent (no value in the target's cookies)")
    return "; ".join(out)
