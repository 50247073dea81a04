"""`replay policy`: read, check and try a sanitizer policy without reading code or seeing data.

``lint`` finds mistakes a YAML parser cannot (regexes that can hang, rules that never apply, a
``keep`` that silently switches off a personal-data rule); ``explain`` says each rule in words;
``test`` and ``report`` dry-run the policy on sample events and show counts, paths and lengths,
never values. Heavy imports stay inside the commands so ``--help`` is instant.
"""

from __future__ import annotations

import fnmatch
import json
import re
import sys
from dataclasses import dataclass
from typing import Any

import click

__all__ = ["Finding", "lint_policy", "policy_group"]

#: Top-level fields of a stored Sentry event (what selectors see after normalization).
_EVENT_FIELDS = {
    "event_id", "timestamp", "start_timestamp", "received", "platform", "level", "logger", "release", "dist",
    "environment", "type", "version", "key_id", "project", "project_id", "fingerprint", "hashes",
    "grouping_config", "modules", "sdk", "debug_meta", "_meta", "contexts", "exception", "threads",
    "stacktrace", "breadcrumbs", "request", "user", "tags", "extra", "message", "logentry", "culprit",
    "transaction", "server_name", "spans", "measurements", "errors", "webhook", "sentry", "data", "csp",
    "expectct", "hpkp", "expectstaple", "template", "site", "location", "title", "metadata", "tag",
}


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str  # "error" or "warning"
    problem: str


# -- lint -------------------------------------------------------------------------------------

def lint_policy(text: str, source: str) -> list[Finding]:
    """Every problem found in a policy's text; errors first. Parsing errors stop the deeper checks."""
    import yaml

    from sanitizers.errors import PolicyError
    from sanitizers.policy import ACTIONS, DETECTORS, load_yaml, parse_policy

    findings: list[Finding] = []
    try:
        data = load_yaml(text)
    except yaml.YAMLError:
        data = None
    raw_rules = data.get("rules") if isinstance(data, dict) else None
    for raw in raw_rules if isinstance(raw_rules, list) else ():
        if not isinstance(raw, dict):
            continue
        rid = str(raw.get("id", "?"))
        if raw.get("action", "fake") not in ACTIONS:
            findings.append(Finding(rid, "error", f"unknown action {raw.get('action')!r} (one of {', '.join(ACTIONS)})"))
        for det in _as_list(raw.get("detectors")):
            if det not in DETECTORS:
                findings.append(Finding(rid, "error", f"unknown detector {det!r}"))
        for pattern in _as_list(raw.get("patterns")):
            findings.extend(Finding(rid, sev, msg) for sev, msg in check_pattern(str(pattern)))
    try:
        policy = parse_policy(text, source=source)
    except PolicyError as exc:
        if not any(f.severity == "error" for f in findings):
            findings.append(Finding("-", "error", str(exc)))
        return _sorted(findings)
    findings.extend(_selector_findings(policy))
    findings.extend(_shadow_findings(policy))
    return _sorted(findings)


def _as_list(value: Any) -> list[Any]:
    """Policies may give one string where a list is expected; anything else is parse's to report."""
    if isinstance(value, str):
        return [value]
    return value if isinstance(value, list) else []


def _sorted(findings: list[Finding]) -> list[Finding]:
    return sorted(dict.fromkeys(findings), key=lambda f: f.severity != "error")


def check_pattern(pattern: str) -> list[tuple[str, str]]:
    """(severity, message) for an invalid regex or a backtracking risk, from a static walk of
    the parsed pattern: a repeat inside an unbounded repeat (``(a+)+``, ``(.*)*``) is an error,
    alternatives that can start alike under a repeat (``(a|ab)*``) a warning."""
    import re._parser as parser  # type: ignore[import-not-found]

    try:
        tree = parser.parse(pattern)
    except re.error as exc:
        return [("error", f"invalid regex /{pattern}/: {exc.msg} at position {exc.pos}")]
    out: list[tuple[str, str]] = []
    _walk_regex(list(tree), pattern, out, inside_repeat=False)
    return list(dict.fromkeys(out))


_REPEATS = {"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"}


def _walk_regex(items: list, pattern: str, out: list[tuple[str, str]], *, inside_repeat: bool) -> None:
    import re._constants as const  # type: ignore[import-not-found]

    for op, arg in items:
        name = str(op)
        if name in _REPEATS and name != "POSSESSIVE_REPEAT":
            low, high, body = arg
            unbounded = high == const.MAXREPEAT or high > 100
            if inside_repeat and unbounded:
                out.append(("error", f"catastrophic backtracking risk in /{pattern}/: a repeat inside a repeat "
                                     "(like (a+)+ or (.*)*)"))
            _walk_regex(list(body), pattern, out, inside_repeat=inside_repeat or (unbounded or high > 1))
        elif name == "SUBPATTERN":
            _walk_regex(list(arg[-1]), pattern, out, inside_repeat=inside_repeat)
        elif name == "BRANCH":
            branches = [list(b) for b in arg[1]]
            if inside_repeat and _branches_overlap(branches):
                out.append(("warning", f"backtracking risk in /{pattern}/: alternatives that can match the same "
                                       "text under a repeat (like (a|ab)*)"))
            for branch in branches:
                _walk_regex(branch, pattern, out, inside_repeat=inside_repeat)
        elif name in ("ASSERT", "ASSERT_NOT"):
            _walk_regex(list(arg[1]), pattern, out, inside_repeat=inside_repeat)


def _first_chars(items: list) -> set[Any] | None:
    """Literal first characters of a branch, or None when it may start with anything."""
    if not items:
        return None
    op, arg = items[0]
    name = str(op)
    if name == "LITERAL":
        return {arg}
    if name == "IN" and all(str(o) == "LITERAL" for o, _ in arg):
        return {a for _, a in arg}
    if name == "SUBPATTERN":
        return _first_chars(list(arg[-1]))
    return None


def _branches_overlap(branches: list[list]) -> bool:
    seen: set[Any] = set()
    for branch in branches:
        first = _first_chars(branch)
        if first is None or seen & first:
            return True
        seen |= first
    return False


def _selector_findings(policy: Any) -> list[Finding]:
    """Selectors no event path can match: empty ones, empty segments, unknown top-level fields,
    and rules whose every selector lies inside the safe paths (which are never looked at)."""
    out: list[Finding] = []
    for rule in policy.rules:
        if not rule.where:
            out.append(Finding(rule.id, "error", "`where` is empty: the rule can never match"))
            continue
        dead = 0
        for selector in rule.where:
            segments = selector.strip().split(".")
            if not selector.strip() or any(not s for s in segments):
                out.append(Finding(rule.id, "error", f"selector {selector!r} has an empty segment: no event path matches it"))
                dead += 1
            elif segments[0] not in ("*", "**") and "*" not in segments[0] and segments[0].lower() not in _EVENT_FIELDS:
                out.append(Finding(rule.id, "warning", f"selector {selector!r}: no Sentry event has a top-level field "
                                                       f"{segments[0]!r}"))
            elif "*" not in selector and policy.safe_regex.match(_joined(segments)):
                out.append(Finding(rule.id, "warning", f"selector {selector!r} lies inside the safe paths, which are never touched"))
                dead += 1
        if dead == len(rule.where):
            out.append(Finding(rule.id, "error", "no selector of this rule can match: the rule can never apply"))
    return out


def _joined(segments: list[str]) -> str:
    from sanitizers.policy import normalize_key
    from sanitizers.selectors import SEP

    return SEP.join(normalize_key(s) for s in segments)


def _shadow_findings(policy: Any) -> list[Finding]:
    """The first key rule naming a field wins, so an earlier rule hides a later one on the keys
    both name where both apply. A hiding ``keep`` turns personal data off (error); another
    action only changes the treatment (warning); a rule hidden on all its keys is dead."""
    out: list[Finding] = []
    key_rules = [r for r in policy.rules if r.keys]
    for later_index, later in enumerate(key_rules):
        fully_hidden_by = None
        for earlier in key_rules[:later_index]:
            if not _where_overlaps(earlier.where, later.where):
                continue
            shared = [k for k in later.keys if _key_hits(earlier, k)]
            if not shared:
                continue
            names = ", ".join(shared[:5])
            if earlier.action == "keep" and later.action != "keep":
                out.append(Finding(earlier.id, "error", f"keep rule shadows personal-data rule {later.id!r} "
                                                        f"({later.entity}) on keys {names}: they stay in clear"))
            elif earlier.action != later.action:
                out.append(Finding(later.id, "warning", f"overlaps {earlier.id!r} on keys {names} with a different "
                                                        f"action ({earlier.action} wins over {later.action})"))
            if len(shared) == len(later.keys) and not earlier.placed and tuple(earlier.where) == ("**",) \
                    and not later.detectors and not later.patterns:
                fully_hidden_by = earlier
        if fully_hidden_by is not None:
            out.append(Finding(later.id, "warning", f"can never match: every key is taken first by {fully_hidden_by.id!r}"))
    detector_rules = [r for r in policy.rules if r.detectors]
    for index, first in enumerate(detector_rules):
        for second in detector_rules[index + 1:]:
            shared = ", ".join(sorted(set(first.detectors) & set(second.detectors)))
            if not shared or first.action == second.action or not _where_overlaps(first.where, second.where):
                continue
            keep, other = (first, second) if first.action == "keep" else (second, first)
            if keep.action == "keep":
                out.append(Finding(keep.id, "error", f"keep rule shadows personal-data rule {other.id!r} on "
                                                     f"detectors {shared}"))
            else:
                out.append(Finding(second.id, "warning", f"overlaps {first.id!r} on detectors {shared} with a "
                                                         f"different action ({first.action} / {second.action})"))
    return out


def _key_hits(rule: Any, key: str) -> bool:
    from sanitizers.policy import normalize_key

    probe = normalize_key(key).replace("*", "x")
    return bool(rule.key_regex.search(probe)) or any(fnmatch.fnmatchcase(probe, normalize_key(k)) for k in rule.keys)


def _where_overlaps(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Conservative: two selector lists overlap when one could match a concrete path of the other."""
    from sanitizers.selectors import compile_selectors

    def probe(selector: str) -> str:
        return _joined([s.replace("*", "x") if s != "**" else "x" for s in selector.split(".")])

    ra, rb = compile_selectors(a), compile_selectors(b)
    return any(rb.match(probe(s)) for s in a) or any(ra.match(probe(s)) for s in b)


# -- commands ---------------------------------------------------------------------------------

@click.group("policy")
def policy_group() -> None:
    """Check, explain and dry-run a sanitizer policy (no personal value is ever shown).

    \b
    Examples:
      replay policy lint my_policy.yaml
      replay policy explain my_policy.yaml
      replay policy test my_policy.yaml --events sample.jsonl --against old_policy.yaml
      replay policy report my_policy.yaml --events sample.jsonl --html report.html
    """


def _console():
    from rich.console import Console

    return Console(width=160)


def _load(path: str):
    from sanitizers import PolicyError, load_policy

    try:
        return load_policy(path)
    except PolicyError as exc:
        click.echo(f"replay: {exc}", err=True)
        sys.exit(2)


@policy_group.command("lint")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def lint(file: str) -> None:
    """Find errors and risks in a policy; exit 1 when there is an error (warnings pass)."""
    from pathlib import Path

    from rich.table import Table

    try:
        text = Path(file).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.FileError(file, str(exc)) from None
    findings = lint_policy(text, file)
    errors = sum(f.severity == "error" for f in findings)
    if findings:
        table = Table(title=f"policy lint: {file}")
        for name in ("rule", "severity", "problem"):
            table.add_column(name, overflow="fold")
        for f in findings:
            table.add_row(f.rule, f"[red]{f.severity}[/]" if f.severity == "error" else f"[yellow]{f.severity}[/]", f.problem)
        _console().print(table)
    click.echo(f"{errors} error(s), {len(findings) - errors} warning(s)")
    if errors:
        sys.exit(1)


@policy_group.command("explain")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def explain(file: str) -> None:
    """Say what each rule does in plain language, and which paths are never touched."""
    from rich.table import Table

    from replay.policy_report import describe_rule

    policy = _load(file)
    table = Table(title=f"policy {policy.name} ({policy.hash})")
    table.add_column("rule", no_wrap=True)
    table.add_column("what it does", overflow="fold")
    for rule in policy.rules:
        table.add_row(rule.id, describe_rule(rule))
    console = _console()
    console.print(table)
    console.print("Never touched (safe paths): " + (", ".join(policy.safe_paths) or "none"))


def _audit_option(func):
    return click.option("--audit", "audit_path", type=click.Path(dir_okay=False), envvar="REPLAY_AUDIT",
                        help="Audit database (default: $REPLAY_AUDIT, else REPLAY_HOME/audit.sqlite3).")(func)


def _dry_run(policy, events: str):
    from connectors.errors import ConnectorError

    from replay.policy_report import dry_run

    try:
        return dry_run(policy, events)
    except ConnectorError as exc:
        click.echo(f"replay: {exc}", err=True)
        sys.exit(2)


def _audit(audit_path: str | None, action: str, run, **details: Any) -> None:
    from replay.audit import record_quietly

    record_quietly(audit_path, action, policy_hash=run.policy.hash,
                   details={"policy": run.policy.name, "events": run.events, "changes": len(run.changes),
                            "blocked_events": len({b["ref"] for b in run.blocked})} | details)


@policy_group.command("test")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--events", required=True, type=click.Path(exists=True, dir_okay=False), help="Sample events (JSON or JSONL).")
@click.option("--against", type=click.Path(exists=True, dir_okay=False), help="An older policy to compare with.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of tables.")
@_audit_option
def test(file: str, events: str, against: str | None, as_json: bool, audit_path: str | None) -> None:
    """Dry-run the policy on sample events: counts per rule, entity and path, original lengths,
    blocked events; with --against, what changes from the older policy. Never shows values."""
    from replay.policy_report import compare, summary_tables, to_json

    run = _dry_run(_load(file), events)
    diff = compare(run, _dry_run(_load(against), events)) if against else None
    _audit(audit_path, "policy_test", run, against=_load(against).hash if against else None)
    if as_json:
        click.echo(json.dumps(to_json(run, diff), default=str))
    else:
        console = _console()
        console.print(f"policy {run.policy.name} ({run.policy.hash}): {run.events} events, {len(run.changes)} changes, "
                      f"{len({b['ref'] for b in run.blocked})} blocked")
        for name, frame in summary_tables(run).items():
            _print_frame(console, name.replace("_", " "), frame)
        if diff:
            # The path goes on its own line: a table title wraps at the table's width, splitting words.
            console.print(f"against {against}:", markup=False, highlight=False)
            for name, frame in diff.items():
                _print_frame(console, name.replace("_", " "), frame)
    _exit_if_unreadable(run)


def _exit_if_unreadable(run) -> None:
    """Inputs that could not be read are named on stderr and make the exit code 1, as in
    ``replay sanitize``: a policy tested on fewer events than given must not look like a pass."""
    for error in run.errors:
        click.echo(f"replay: {error['ref']}: {error['error']}", err=True)
    if run.errors:
        sys.exit(1)


def _print_frame(console, title: str, frame) -> None:
    from rich.table import Table

    table = Table(title=title)
    for column in frame.columns:
        table.add_column(str(column), overflow="fold")
    for row in frame.itertuples(index=False):
        table.add_row(*(str(v) for v in row))
    if frame.empty:
        table.add_row(*("-" for _ in frame.columns))
    console.print(table)


@policy_group.command("report")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--events", required=True, type=click.Path(exists=True, dir_okay=False), help="Sample events (JSON or JSONL).")
@click.option("--html", "html_out", required=True, type=click.Path(dir_okay=False, writable=True), help="Write the report here.")
@_audit_option
def report(file: str, events: str, html_out: str, audit_path: str | None) -> None:
    """Write a self-contained HTML report (tables, charts, safe paths, blocked events, hash)."""
    from replay.output import check_writable, write_file
    from replay.policy_report import render_html

    check_writable(html_out)
    run = _dry_run(_load(file), events)
    write_file(html_out, render_html(run).encode())
    _audit(audit_path, "policy_report", run)
    click.echo(f"wrote {html_out}: {run.events} events, {len(run.changes)} changes, policy {run.policy.hash}")
    _exit_if_unreadable(run)
