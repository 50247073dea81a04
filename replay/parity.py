"""Environment parity: does QA run what production ran when the error happened?

A replay into a drifted QA proves nothing either way, so before sending we compare two
snapshots of plain data: production's, read from the event itself (release, ``modules``,
feature flags in ``contexts.flags``, runtime) or from a manifest file, and QA's, read from the
manifest endpoint QA serves (see ``examples/shop/README.md`` for the JSON contract). Each
difference is a :class:`Drift` with a severity from :data:`DEFAULT_SEVERITY`, which a config's
``[parity.severity]`` table can override; any ``error`` drift blocks the replay.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["DEFAULT_SEVERITY", "Drift", "ParityGate", "ParityReport", "Snapshot", "compare", "fetch_manifest",
           "GateCache", "load_gate", "snapshot_from_event", "snapshot_from_manifest"]

DEFAULT_SEVERITY = {
    "release": "error",
    "package_major": "error",
    "package_minor": "warning",
    "package_patch": "info",
    "package_missing": "warning",
    "flag": "error",
    "flag_missing": "warning",
    "env_missing": "warning",
    "env_differs": "warning",
    "schema": "error",
    "runtime": "warning",
}
SEVERITIES = ("info", "warning", "error")


@dataclass
class Snapshot:
    """What an environment runs; ``None``/empty means the source does not say."""

    source: str
    release: str | None = None
    packages: dict[str, str] = field(default_factory=dict)
    flags: dict[str, bool] = field(default_factory=dict)
    env: dict[str, str | None] = field(default_factory=dict)
    schema: str | None = None
    runtime: str | None = None


@dataclass(frozen=True)
class Drift:
    kind: str
    name: str
    production: Any
    qa: Any
    severity: str

    @property
    def message(self) -> str:
        if self.kind.startswith("env"):  # values are hashes of configuration: name only
            return f"env var {self.name}: {'missing in QA' if self.kind == 'env_missing' else 'differs'}"
        return f"{self.name}: production {self.production!r}, QA {self.qa!r}"


@dataclass
class ParityReport:
    status: str  # pass | warn | fail | unknown
    drifts: list[Drift] = field(default_factory=list)
    reason: str = ""

    @property
    def errors(self) -> list[Drift]:
        return [d for d in self.drifts if d.severity == "error"]

    def summary(self) -> str:
        shown = self.errors or [d for d in self.drifts if d.severity == "warning"]
        return "; ".join(d.message for d in shown) or self.reason or self.status

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "reason": self.reason,
                "drifts": [asdict(d) | {"message": d.message} for d in self.drifts]}


def snapshot_from_event(event: dict[str, Any]) -> Snapshot:
    contexts = event.get("contexts") if isinstance(event.get("contexts"), dict) else {}
    flags_ctx = contexts.get("flags") if isinstance(contexts.get("flags"), dict) else {}
    flags = {str(v["flag"]): bool(v.get("result")) for v in flags_ctx.get("values") or []
             if isinstance(v, dict) and "flag" in v}
    runtime = contexts.get("runtime") if isinstance(contexts.get("runtime"), dict) else {}
    modules = event.get("modules") if isinstance(event.get("modules"), dict) else {}
    return Snapshot(
        source="event",
        release=event.get("release") if isinstance(event.get("release"), str) else None,
        packages={_pkg(k): str(v) for k, v in modules.items()},
        flags=flags,
        runtime=f"{runtime.get('name', '')} {runtime.get('version', '')}".strip() or None,
    )


def snapshot_from_manifest(doc: Any, source: str) -> Snapshot:
    """A manifest document: {release, packages, flags, env: {NAME: sha256|null}, schema_fingerprint, runtime?}."""
    if not isinstance(doc, dict):
        raise ValueError("a manifest is a JSON object")
    packages = doc.get("packages") if isinstance(doc.get("packages"), dict) else {}
    return Snapshot(
        source=source,
        release=doc.get("release"),
        packages={_pkg(k): str(v) for k, v in packages.items() if v is not None},
        flags={str(k): bool(v) for k, v in (doc.get("flags") or {}).items()},
        env=dict(doc.get("env") or {}),
        schema=doc.get("schema_fingerprint"),
        runtime=doc.get("runtime"),
    )


def fetch_manifest(url: str, client: Any, headers: tuple[tuple[str, str], ...] = ()) -> Snapshot:
    """QA's snapshot from its manifest endpoint; raises ``ValueError`` with a reason when unavailable."""
    import httpx

    try:
        response = client.get(url, headers=list(headers))
    except httpx.HTTPError as exc:
        raise ValueError(f"QA manifest {url} unreachable ({type(exc).__name__})") from None
    if response.status_code != 200:
        raise ValueError(f"QA manifest {url} answered {response.status_code}")
    try:
        return snapshot_from_manifest(response.json(), url)
    except ValueError:
        raise ValueError(f"QA manifest {url} is not a JSON manifest object") from None


def compare(production: Snapshot, qa: Snapshot, severity: dict[str, str] | None = None) -> ParityReport:
    """Differences between what both sides report; what only one side reports is not judged."""
    rules = DEFAULT_SEVERITY | (severity or {})
    drifts: list[Drift] = []

    def add(kind: str, name: str, prod: Any, q: Any) -> None:
        drifts.append(Drift(kind, name, prod, q, rules[kind]))

    if production.release and qa.release and production.release != qa.release:
        add("release", "release", production.release, qa.release)
    for name, prod_version in production.packages.items():
        if name not in qa.packages:
            if qa.source != "event" and production.source != "event":
                add("package_missing", name, prod_version, None)
            continue
        level = _version_drift(prod_version, qa.packages[name])
        if level:
            add(f"package_{level}", name, prod_version, qa.packages[name])
    for name, value in production.flags.items():
        if name not in qa.flags:
            add("flag_missing", f"flag {name}", value, None)
        elif qa.flags[name] != value:
            add("flag", f"flag {name}", value, qa.flags[name])
    for name, digest in production.env.items():
        if name not in qa.env or (digest is not None and qa.env[name] is None):
            add("env_missing", name, None, None)
        elif qa.env[name] != digest:
            add("env_differs", name, None, None)
    if production.schema and qa.schema and production.schema != qa.schema:
        add("schema", "schema fingerprint", production.schema[:12], qa.schema[:12])
    if production.runtime and qa.runtime and production.runtime.split(".")[:2] != qa.runtime.split(".")[:2]:
        add("runtime", "runtime", production.runtime, qa.runtime)
    worst = max((SEVERITIES.index(d.severity) for d in drifts), default=-1)
    status = "fail" if worst == 2 else "warn" if worst == 1 else "pass"
    return ParityReport(status, drifts)


def _pkg(name: Any) -> str:
    return str(name).lower().replace("_", "-")


def _version_drift(a: str, b: str) -> str | None:
    """'major', 'minor' or 'patch' for the first differing release component, None when equal."""
    if a == b:
        return None
    pa, pb = _parts(a), _parts(b)
    for level, (x, y) in zip(("major", "minor", "patch"), zip(pa + [0] * 3, pb + [0] * 3)):
        if x != y:
            return level
    return "patch"


def _parts(version: str) -> list[int]:
    out = []
    for piece in version.split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit()) if piece[:1].isdigit() else ""
        out.append(int(digits) if digits else 0)
    return out


@dataclass
class ParityGate:
    """QA's snapshot, fetched once per run, checked against every event before it is sent."""

    qa: Snapshot | None
    reason: str = ""
    severity: dict[str, str] = field(default_factory=dict)
    ignore: bool = False

    def check(self, event: dict[str, Any]) -> ParityReport:
        if self.qa is None:
            return ParityReport("unknown", reason=self.reason)
        return compare(snapshot_from_event(event), self.qa, self.severity)

    def blocks(self, report: ParityReport) -> bool:
        return report.status == "fail" and not self.ignore


def load_gate(target: Any, client: Any, *, ignore: bool = False) -> ParityGate:
    """Fetch QA's manifest (from an allowed host only); an unavailable manifest makes parity unknown."""
    url = target.manifest if "://" in target.manifest else target.base_url + target.manifest
    refusal = target.refusal(url, "GET")
    if refusal:
        return ParityGate(None, f"QA manifest not fetched: {refusal}", dict(target.parity_severity), ignore)
    try:
        return ParityGate(fetch_manifest(url, client, target.headers), "", dict(target.parity_severity), ignore)
    except ValueError as exc:
        return ParityGate(None, str(exc), dict(target.parity_severity), ignore)


class GateCache:
    """A gate for long-running workers (`serve`, `pipeline`): QA drifts while they run, so its
    manifest is re-read once ``refresh`` seconds have passed."""

    def __init__(self, target: Any, *, ignore: bool = False, refresh: float = 60.0) -> None:
        self.target, self.ignore, self.refresh = target, ignore, refresh
        self._gate: ParityGate | None = None
        self._read_at = 0.0

    def get(self) -> ParityGate:
        import time

        import httpx

        if self._gate is None or time.monotonic() - self._read_at > self.refresh:
            with httpx.Client(timeout=self.target.timeout, trust_env=False) as client:
                self._gate = load_gate(self.target, client, ignore=self.ignore)
            self._read_at = time.monotonic()
        return self._gate
