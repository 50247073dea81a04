"""What a policy does to sample events, told without a single value: for privacy officers.

A dry run sanitizes events in memory and keeps only the sanitizer's own account of each change
(path, rule, entity, action, original length) and the leak gate's verdict (path, rule). From
those, pandas builds the tables `replay policy test` prints and `replay policy report` renders
as one self-contained HTML page (inline CSS and SVG, no external assets, so it can be mailed
and archived as evidence).
"""

from __future__ import annotations

import html
import os
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from sanitizers import Policy, Rule

__all__ = ["DryRun", "compare", "describe_rule", "dry_run", "render_html", "summary_tables", "to_json"]

_ACTIONS = {
    "fake": "replaced by a consistent fake",
    "mask": "masked with * (length and punctuation kept)",
    "hash": "replaced by a keyed hash",
    "redact": "replaced by [redacted]",
    "remove": "removed (null)",
    "keep": "kept as is",
}
_IDENTIFIER = re.compile(r"[A-Za-z_$'.][\w$'\-:.]{0,127}")


def describe_rule(rule: Rule, limit: int = 8) -> str:
    """One rule as a sentence a reviewer can sign off: what, where, then how."""
    what: list[str] = []
    if rule.keys:
        names = ", ".join(rule.keys[:limit]) + (", …" if len(rule.keys) > limit else "")
        what.append(f"Fields named {names}")
        if rule.parents:
            parents = ", ".join(rule.parents[:limit]) + (", …" if len(rule.parents) > limit else "")
            what[-1] += f" inside an object named {parents}"
        if rule.beside:
            beside = ", ".join(rule.beside[:limit]) + (", …" if len(rule.beside) > limit else "")
            what[-1] += f"{' or' if rule.parents else ''} in an object that also holds {beside}"
    if rule.detectors:
        what.append("values found by the " + ", ".join(rule.detectors) + " detector" + ("s" if len(rule.detectors) > 1 else ""))
    if rule.patterns:
        what.append("text matching " + ", ".join(f"/{p}/" for p in rule.patterns))
    where = "anywhere" if tuple(rule.where) == ("**",) else "at " + ", ".join(rule.where)
    text = "; ".join(what)
    entity = "" if rule.detectors and rule.entity == "GENERIC" else f" ({rule.entity})"
    return f"{text[:1].upper()}{text[1:]} {where} → {_ACTIONS.get(rule.action, rule.action)}{entity}"


def named_path(document: Any, path: str) -> list[str]:
    """The change's dotted path walked through the original event so that a value in a pair list
    (Sentry sends headers and cookies as ``[name, value]`` pairs) is named by its header or cookie
    name instead of ``10.1``, and keys holding dots (``sentry.interfaces.User``) stay whole."""
    segments, node, i = path.split("."), document, 0
    out: list[str] = []
    while i < len(segments):
        segment = segments[i]
        if isinstance(node, list) and segment.isdigit() and int(segment) < len(node):
            item = node[int(segment)]
            if isinstance(item, list) and len(item) == 2 and isinstance(item[0], str) and segments[i + 1:i + 2] == ["1"]:
                out.append(item[0])
                node, i = item[1], i + 2
            else:
                out.append(segment)
                node, i = item, i + 1
            continue
        key = next((".".join(segments[i:j]) for j in range(len(segments), i, -1)
                    if isinstance(node, dict) and ".".join(segments[i:j]) in node), None)
        if key is None and isinstance(node, dict):  # a key the sanitizer renamed: it was data
            out.extend(["<key>", "**", segments[-1]] if i < len(segments) - 1 else ["<key>"])
            break
        if key is None:  # inside a string the sanitizer opened (JSON body, query string): as given
            out.extend(segments[i:])
            break
        out.append(key)
        node, i = node[key], i + key.count(".") + 1
    return out


def collapse_path(segments: list[str]) -> str:
    """List indices become ``*`` so paths aggregate; a key that does not look like a field name
    (it may itself be data, e.g. an e-mail used as a dict key) becomes ``<key>``."""
    parts = []
    for segment in segments:
        if segment.isdigit():
            parts.append("*")
        elif segment in ("**", "<key>") or _IDENTIFIER.fullmatch(segment):
            parts.append(segment)
        else:
            parts.append("<key>")
    return ".".join(parts)


@dataclass
class DryRun:
    """The value-free outcome of sanitizing sample events under one policy."""

    policy: Policy
    events: int = 0
    changes: list[dict[str, Any]] = field(default_factory=list)  # ref, path, rule, entity, action, length
    blocked: list[dict[str, Any]] = field(default_factory=list)  # ref, path, rule
    errors: list[dict[str, str]] = field(default_factory=list)  # ref, error (connector messages hold no values)


def dry_run(policy: Policy, events_path: str) -> DryRun:
    """Sanitize every event of ``events_path`` in memory; keep only the account of changes.

    The key comes from ``REPLAY_SECRET_KEY`` or is random: fakes are never shown, so it does
    not matter which."""
    from connectors import read_documents
    from sanitizers import Sanitizer

    key = os.environ.get("REPLAY_SECRET_KEY", "").encode() or secrets.token_bytes(32)
    sanitizer = Sanitizer(policy, key=key)
    run = DryRun(policy)
    for item in read_documents(events_path):
        if item.error:
            run.errors.append({"ref": item.ref, "error": item.error})
            continue
        run.events += 1
        result = sanitizer.sanitize(item.document)
        for change in result.changes:
            run.changes.append({"ref": item.ref, "path": collapse_path(named_path(item.document, change.path)), "rule": change.rule,
                                "entity": change.entity, "action": change.action, "length": change.length})
        for leak in result.leaks if result.blocked else ():
            run.blocked.append({"ref": item.ref, "path": collapse_path(named_path(item.document, str(leak.get("path") or "<event>"))),
                                "rule": str(leak.get("rule", ""))})
    return run


def _detects(rule: Rule) -> str:
    if rule.detectors and rule.entity == "GENERIC":
        return "+".join(rule.detectors)
    return rule.entity


def summary_tables(run: DryRun) -> dict[str, pd.DataFrame]:
    """by_rule, by_entity, by_path (with original lengths) and blocked, as DataFrames."""
    import pandas as pd

    changes = pd.DataFrame(run.changes, columns=["ref", "path", "rule", "entity", "action", "length"])
    rules = pd.DataFrame([(r.id, _detects(r), r.action) for r in run.policy.rules], columns=["rule", "detects", "action"])
    counts = changes.groupby("rule").size().rename("detections")
    by_rule = rules.join(counts, on="rule").fillna({"detections": 0}).astype({"detections": int})
    by_entity = (changes.groupby("entity").size().rename("detections").reset_index()
                 .sort_values(["detections", "entity"], ascending=[False, True], ignore_index=True))
    by_path = (changes.groupby(["path", "rule", "entity"])
               .agg(detections=("length", "size"), min_length=("length", "min"), max_length=("length", "max"),
                    events=("ref", "nunique"))
               .reset_index().sort_values(["detections", "path"], ascending=[False, True], ignore_index=True))
    blocked = pd.DataFrame(run.blocked, columns=["ref", "path", "rule"])
    return {"by_rule": by_rule, "by_entity": by_entity, "by_path": by_path, "blocked": blocked}


def compare(new: DryRun, old: DryRun) -> dict[str, pd.DataFrame]:
    """What changes from ``old`` to ``new``: count deltas per rule and entity, paths only in one."""
    import pandas as pd

    def deltas(column: str) -> pd.DataFrame:
        a = pd.Series([c[column] for c in old.changes], dtype=object).value_counts().rename("old")
        b = pd.Series([c[column] for c in new.changes], dtype=object).value_counts().rename("new")
        names = set(a.index) | set(b.index)
        if column == "rule":
            names |= {r.id for r in old.policy.rules} | {r.id for r in new.policy.rules}
        frame = pd.concat([a, b], axis=1).reindex(sorted(names)).fillna(0).astype(int)
        frame["delta"] = frame["new"] - frame["old"]
        return frame.rename_axis(column).reset_index()

    old_paths = {(c["path"], c["rule"]) for c in old.changes}
    new_paths = {(c["path"], c["rule"]) for c in new.changes}
    only = [(p, r, "new") for p, r in sorted(new_paths - old_paths)] + [(p, r, "old") for p, r in sorted(old_paths - new_paths)]
    return {"rule_delta": deltas("rule"), "entity_delta": deltas("entity"),
            "paths_only_in_one": pd.DataFrame(only, columns=["path", "rule", "only_in"])}


def to_json(run: DryRun, diff: dict[str, pd.DataFrame] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"policy": {"name": run.policy.name, "hash": run.policy.hash, "source": run.policy.source},
                            "events": run.events, "changes": len(run.changes), "blocked_events": len({b["ref"] for b in run.blocked}),
                            "errors": run.errors}
    data |= {name: frame.to_dict("records") for name, frame in summary_tables(run).items()}
    if diff is not None:
        data["against"] = {name: frame.to_dict("records") for name, frame in diff.items()}
    return data


# -- HTML -------------------------------------------------------------------------------------

_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#1b1f24}
h1{font-size:1.6em}h2{border-bottom:1px solid #d0d7de;padding-bottom:.2em;margin-top:1.8em}
table{border-collapse:collapse;margin:.6em 0}th,td{border:1px solid #d0d7de;padding:3px 8px;text-align:left}
th{background:#f6f8fa}.meta td:first-child{font-weight:600}.heat td.c{text-align:center;min-width:2.5em}
.blocked{color:#b42318}code{background:#f6f8fa;padding:0 3px}.small{color:#57606a;font-size:.9em}
"""


def _bar_chart(by_entity: pd.DataFrame) -> str:
    """Detections per entity as inline SVG bars (no script, no external asset)."""
    rows = list(by_entity.itertuples(index=False))
    height, width, label, bar_h = 24 * max(len(rows), 1) + 10, 720, 170, 18
    peak = max((int(r.detections) for r in rows), default=1) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'aria-label="detections per entity">']
    for i, row in enumerate(rows):
        y, w = 5 + i * 24, int((width - label - 60) * int(row.detections) / peak)
        parts.append(f'<text x="{label - 6}" y="{y + 13}" text-anchor="end" font-size="12">{html.escape(str(row.entity))}</text>'
                     f'<rect x="{label}" y="{y}" width="{max(w, 1)}" height="{bar_h}" fill="#3b82f6"/>'
                     f'<text x="{label + w + 6}" y="{y + 13}" font-size="12">{int(row.detections)}</text>')
    if not rows:
        parts.append('<text x="10" y="20" font-size="12">no detections</text>')
    return "".join(parts) + "</svg>"


def _heat_map(by_path: pd.DataFrame) -> str:
    """Path by rule counts as a table whose cells shade with the count."""
    if by_path.empty:
        return "<p>No detections.</p>"
    grid = by_path.pivot_table(index="path", columns="rule", values="detections", aggfunc="sum", fill_value=0)
    peak = int(grid.to_numpy().max()) or 1
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in grid.columns)
    body = []
    for path, row in grid.iterrows():
        cells = []
        for value in row:
            alpha = 0 if not value else 0.15 + 0.85 * int(value) / peak
            cells.append(f'<td class="c" style="background:rgba(220,38,38,{alpha:.2f})">{int(value) or ""}</td>')
        body.append(f"<tr><th><code>{html.escape(str(path))}</code></th>{''.join(cells)}</tr>")
    return f'<table class="heat"><tr><th>path \\ rule</th>{head}</tr>{"".join(body)}</table>'


def render_html(run: DryRun, generated: datetime | None = None) -> str:
    """The whole report as one HTML string."""
    generated = generated or datetime.now(timezone.utc)
    policy, tables = run.policy, summary_tables(run)
    esc = html.escape
    rules = "".join(f"<tr><td><code>{esc(r.id)}</code></td><td>{esc(r.action)}</td><td>{esc(r.entity)}</td>"
                    f"<td>{esc(describe_rule(r))}</td></tr>" for r in policy.rules)
    safe = "".join(f"<li><code>{esc(p)}</code></li>" for p in policy.safe_paths) or "<li>none</li>"
    blocked = tables["blocked"]
    blocked_html = (blocked.to_html(index=False, classes="blocked") if not blocked.empty
                    else "<p>No event would be blocked by the leak gate.</p>")
    meta = [("policy", policy.name), ("version", str(policy.version)), ("hash", policy.hash), ("source", policy.source),
            ("events", str(run.events)), ("detections", str(len(run.changes))),
            ("blocked events", str(blocked["ref"].nunique())), ("unreadable inputs", str(len(run.errors))),
            ("generated", generated.isoformat(timespec="seconds"))]
    meta_html = "".join(f"<tr><td>{esc(k)}</td><td>{esc(v)}</td></tr>" for k, v in meta)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Policy report: {esc(policy.name)} {esc(policy.hash)}</title>
<style>{_CSS}</style></head><body>
<h1>Sanitizer policy report: {esc(policy.name)}</h1>
<p class="small">Counts, paths and original lengths only: no original or fake value appears in this report.</p>
<table class="meta">{meta_html}</table>
<h2>Rules</h2><table><tr><th>rule</th><th>action</th><th>entity</th><th>in plain language</th></tr>{rules}</table>
<h2>Detections per entity</h2>{_bar_chart(tables["by_entity"])}
<h2>Detections per rule</h2>{tables["by_rule"].to_html(index=False)}
<h2>Path by rule</h2>{_heat_map(tables["by_path"])}
<h2>Detections per path</h2>{tables["by_path"].to_html(index=False)}
<h2>Fields left untouched on purpose (safe paths)</h2><ul>{safe}</ul>
<h2>Blocked events</h2>{blocked_html}
</body></html>
"""
