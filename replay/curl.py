"""A sanitized cURL command for a rebuilt request, for engineers to iterate by hand."""

from __future__ import annotations

import shlex

from replay.request import RequestSpec
from replay.target import Target

__all__ = ["curl_command"]


def curl_command(spec: RequestSpec, target: Target) -> str:
    """The request as QA would receive it; the spec holds sanitized values only."""
    parts = ["curl", "-X", spec.method, shlex.quote(target.base_for(spec.production_url) + spec.target_path)]
    for name, value in spec.headers:
        parts += ["-H", shlex.quote(f"{name}: {value}")]
    if spec.body:
        parts += ["--data-binary", shlex.quote(spec.body.decode("utf-8", "replace"))]
    return " ".join(parts)
