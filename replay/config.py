"""Named QA targets from a TOML file (``--config``, ``REPLAY_CONFIG`` or ``./replay.toml``).

    [targets.qa]
    base_url = "http://127.0.0.1:8001"
    allowed_hosts = ["127.0.0.1"]          # default: the hosts of base_url and host_map
    denied_hosts = ["shop.example.com"]     # production: never contacted, whatever else says
    headers = { "X-QA-Token" = "${QA_TOKEN}" }   # from the environment, never from the event
    cookies = { "session" = "${QA_SESSION}" }   # fills cookies removed before capture
    timeout = 10
    methods = ["GET", "POST"]
    concurrency = 4                         # users side by side in bulk; one user's requests stay in order
    rate_limit = 20                         # requests per second overall (0: unlimited)
    retries = 2                             # after connection errors/timeouts, idempotent methods only
    actors = ["alice", "ci"]                # who may replay here (REPLAY_ACTOR or login); default anyone
    manifest = "/__manifest"                # QA's parity manifest (path or URL)
    parity_severity = { package_minor = "error" }   # override replay.parity.DEFAULT_SEVERITY
    qa_reports = "http://127.0.0.1:8990"   # `replay serve` that QA's sentry-sdk reports to (verdict by trace id)
    [targets.qa.host_map]                   # production host -> QA base URL
    "api.shop.example.com" = "http://127.0.0.1:8002"

Every error names the file, the key and the problem.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from replay.errors import ConfigError
from replay.parity import DEFAULT_SEVERITY, SEVERITIES
from replay.target import Target, is_http_url, target_from_url

__all__ = ["config_path", "resolve_target"]

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_KEYS = {"base_url", "allowed_hosts", "denied_hosts", "headers", "timeout", "methods", "host_map", "manifest",
         "parity_severity", "qa_reports", "qa_report_wait", "cookies",
         "concurrency", "rate_limit", "retries", "actors"}


def config_path(explicit: str | None = None) -> Path | None:
    """The config file in force: ``--config``, then ``REPLAY_CONFIG``, then ``./replay.toml`` if present."""
    if explicit:
        return Path(explicit)
    if os.environ.get("REPLAY_CONFIG"):
        return Path(os.environ["REPLAY_CONFIG"])
    local = Path("replay.toml")
    return local if local.is_file() else None


def resolve_target(spec: str, config: str | None = None) -> Target:
    """``spec`` is a base URL (a one-off target) or the name of a target in the config file."""
    if "://" in spec:
        return target_from_url(spec)
    path = config_path(config)
    if path is None:
        raise ConfigError(f"target {spec!r}: no config file (use --config, REPLAY_CONFIG or ./replay.toml), "
                          "or pass a base URL such as http://127.0.0.1:8001")
    tables = _target_tables(path)
    if spec not in tables:
        known = ", ".join(sorted(tables)) or "none"
        raise ConfigError(f"{path}: no target named {spec!r} (targets: {known})")
    return _target(spec, tables[spec], path)  # only this one: another target's unset ${VAR} is no concern


def _target_tables(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config ({exc.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    targets = data.get("targets", {})
    if not isinstance(targets, dict):
        raise ConfigError(f"{path}: `targets` must be a table of named targets")
    return targets


def _target(name: str, raw: Any, path: Path) -> Target:
    where = f"{path}: targets.{name}"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: must be a table")
    unknown = set(raw) - _KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown keys {', '.join(sorted(map(str, unknown)))}")
    base_url = raw.get("base_url")
    host_map = raw.get("host_map", {})
    if not isinstance(host_map, dict) or not all(isinstance(v, str) for v in host_map.values()):
        raise ConfigError(f"{where}.host_map: expected a table of production host = QA base URL")
    if not base_url and not host_map:
        raise ConfigError(f"{where}: needs base_url or host_map")
    urls = ([base_url] if base_url else []) + list(host_map.values())
    for url in urls + ([raw["manifest"]] if isinstance(raw.get("manifest"), str) and "//" in raw["manifest"] else []):
        if not is_http_url(str(url)):
            raise ConfigError(f"{where}: {url!r} is not an http(s) URL")
    for key in ("allowed_hosts", "denied_hosts", "methods", "actors"):  # a string would count as its characters
        if key in raw and not (isinstance(raw[key], list) and all(isinstance(v, str) for v in raw[key])):
            raise ConfigError(f"{where}.{key}: expected a list of strings, e.g. {key} = [\"...\"]")
    for key in ("qa_report_wait",):
        if key in raw and (not isinstance(raw[key], (int, float)) or isinstance(raw[key], bool) or raw[key] < 0):
            raise ConfigError(f"{where}.{key}: expected a non-negative number of seconds")
    allowed = raw.get("allowed_hosts") or [urlsplit(u).hostname for u in urls]
    headers, cookies = raw.get("headers", {}), raw.get("cookies", {})
    for key, table in (("headers", headers), ("cookies", cookies)):
        if not isinstance(table, dict):
            raise ConfigError(f"{where}.{key}: expected a table of name = value")
    timeout = raw.get("timeout", 10.0)
    if not isinstance(timeout, (int, float)) or not 0 < timeout < float("inf"):  # nan fails both
        raise ConfigError(f"{where}.timeout: expected a positive number of seconds")
    methods = raw.get("methods")
    numbers = {k: raw.get(k, d) for k, d in (("concurrency", 1), ("rate_limit", 0), ("retries", 0))}
    for key, value in numbers.items():
        if not isinstance(value, (int, float)) or value < (1 if key == "concurrency" else 0):
            raise ConfigError(f"{where}.{key}: expected a {'positive' if key == 'concurrency' else 'non-negative'} number")
    severity = raw.get("parity_severity", {})
    bad = {k: v for k, v in severity.items() if k not in DEFAULT_SEVERITY or v not in SEVERITIES} \
        if isinstance(severity, dict) else {"": severity}
    if bad:
        raise ConfigError(f"{where}.parity_severity: unknown drift kinds or severities: {', '.join(map(str, bad))} "
                          f"(kinds: {', '.join(DEFAULT_SEVERITY)}; severities: {', '.join(SEVERITIES)})")
    return Target(
        name=name,
        base_url=str(base_url or urls[0]).rstrip("/"),
        allowed_hosts=frozenset(str(h).lower() for h in allowed),
        denied_hosts=frozenset(str(h).lower() for h in raw.get("denied_hosts", [])),
        headers=tuple((str(k), _expand(str(v), f"{where}.headers.{k}")) for k, v in headers.items()),
        cookies=tuple((str(k), _expand(str(v), f"{where}.cookies.{k}")) for k, v in cookies.items()),
        timeout=float(timeout),
        methods=frozenset(m.upper() for m in methods) if methods else Target.__dataclass_fields__["methods"].default,
        host_map=tuple((str(k).lower(), str(v).rstrip("/")) for k, v in host_map.items()),
        manifest=str(raw.get("manifest", "/__manifest")),
        parity_severity=tuple(severity.items()),
        qa_reports=str(raw["qa_reports"]).rstrip("/") if raw.get("qa_reports") else None,
        qa_report_wait=float(raw.get("qa_report_wait", 3.0)),
        concurrency=int(numbers["concurrency"]),
        rate_limit=float(numbers["rate_limit"]),
        retries=int(numbers["retries"]),
        actors=tuple(str(a) for a in raw.get("actors", [])),
    )


def _expand(value: str, where: str) -> str:
    def var(m: re.Match[str]) -> str:
        if m.group(1) not in os.environ:
            raise ConfigError(f"{where}: environment variable {m.group(1)} is not set")
        return os.environ[m.group(1)]

    return _VAR.sub(var, value)
