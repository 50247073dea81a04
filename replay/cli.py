"""The `replay` command line. Heavy modules are imported inside commands so `--help` is instant."""

from __future__ import annotations

import contextlib
import functools
import sys
from typing import Any

import click

from replay.serve import event_limit_options

__all__ = ["main"]


class _Errors:
    """Counts user-facing problems and prints each as one line, never with event values."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, ref: str, message: str) -> None:
        self.count += 1
        click.echo(f"replay: {ref}: {message}", err=True)


def _interrupted(done: dict, output: str | None, replaces: bool, report: str | None) -> str:
    """What an interrupted ``replay sanitize`` leaves: its audit records are written (the trail
    writes what it holds on the way out); a file output is whole or untouched, other outputs
    hold what was written before the signal; the report is written last."""
    if done["output"]:
        left = "the output is complete"
    elif replaces:
        left = f"{output} was left as it was"
    else:
        left = f"{output or 'stdout'} holds the first {done['written']} results only"
    unreported = f"; {report} was not written" if report else ""
    return (f"replay: interrupted after {done['items']} items (the records of those sanitized are in the audit "
            f"trail); {left}{unreported}")


def _sanitizer(policy: str | None):
    from sanitizers import Sanitizer, load_policy

    sanitizer = Sanitizer(load_policy(policy))
    if sanitizer.key_is_ephemeral:
        click.echo("replay: warning: REPLAY_SECRET_KEY is not set; fakes use a random key for this run "
                   "and will differ from other runs", err=True)
    return sanitizer


class _Commands(click.Group):
    """Every subcommand's user mistakes (bad files, bad config, unwritable output) become one line
    and exit 2, not a traceback: caught here once, for commands added from other modules too."""

    def invoke(self, ctx: click.Context) -> Any:
        from replay.errors import USER_ERRORS

        try:
            return super().invoke(ctx)
        except USER_ERRORS as exc:
            click.echo(f"replay: {exc}", err=True)
            sys.exit(2)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="incident-replay")
def main() -> None:
    """Replay production errors into QA with personal data replaced by consistent fakes.

    \b
    Examples:
      replay demo                                   the whole story on a local example shop
      replay sanitize events.jsonl -o clean.jsonl   strip personal data from Sentry events
      replay run event.json --target http://127.0.0.1:8001 --json
      replay sentry SHOP-1A2 --target http://127.0.0.1:8001
    """


@main.command()
@click.argument("input_path", metavar="INPUT")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write here instead of stdout.")
@click.option("--policy", type=click.Path(exists=True, dir_okay=False), help="Sanitizer policy YAML (default: built-in).")
@click.option("--report", type=click.Path(dir_okay=False, writable=True),
              help="Write a JSON report of every change (path, rule, entity, action, original length).")
@click.option("--workers", type=click.IntRange(min=0, max=256), default=1, show_default=True, envvar="REPLAY_WORKERS",
              help="Sanitize in this many processes (0: one per core); the output keeps the input order.")
@event_limit_options
def sanitize(input_path: str, output: str | None, policy: str | None, report: str | None, workers: int,
             max_event_bytes: int, max_depth: int) -> None:
    """Replace personal data in Sentry events with consistent, format-preserving fakes.

    INPUT is an event JSON file, a JSONL file (one event per line) or - for stdin. The output has
    the same form and order; an event the leak gate blocks, or one over --max-event-bytes or
    --max-depth, is left out and reported on stderr (the report counts refusals per limit).

    \b
    Examples:
      replay sanitize event.json
      cat events.jsonl | replay sanitize - -o clean.jsonl --report changes.json
    Set REPLAY_SECRET_KEY so the same value gets the same fake in every run. SIGTERM or Ctrl-C
    stops it: the audit records of what was sanitized are written, an output file is left as it
    was, and the command ends by the signal.
    """
    from collections import Counter, deque

    import orjson

    from connectors import read_documents
    from connectors.limits import EventLimits
    from sanitizers.parallel import cpu_count, sanitize_stream, settle

    from replay.audit import AuditTrail
    from replay.output import check_writable, write_file
    from replay.output import output as output_to
    from replay.sanitizing import Writer, sanitize_item
    from replay.signals import Interrupted, die_of, interrupt_on_signals

    for path in (output, report):
        check_writable(path)
    sanitizer = _sanitizer(policy)
    settle(sanitizer)
    errors = _Errors()
    reports: list[dict] = []
    refused: Counter[str] = Counter()
    pending: deque = deque()
    limits = EventLimits(max_event_bytes, max_depth)

    def items():
        """What to sanitize, in order: a JSONL line as it was read (the workers parse it), another
        document parsed; ``pending`` keeps the items for their sources and reading errors."""
        for item in read_documents(input_path, limits, defer=True):
            pending.append(item)
            yield None if item.error else item.raw if item.raw is not None else item.document

    done = {"items": 0, "written": 0, "output": False}  # what an interruption's message reports
    sink = output_to(output)
    try:
        with interrupt_on_signals():
            with sink as out, contextlib.closing(AuditTrail()) as trail, trail.batch() as audit:
                writer = Writer(out)
                work = functools.partial(sanitize_item, limits=limits, report=bool(report))
                for result in sanitize_stream(sanitizer, items(), work, workers=workers or cpu_count()):
                    done["items"] += 1
                    item = pending.popleft()
                    error, limit = (item.error, item.limit) if result is None else (result.error, result.limit)
                    if error is not None:
                        if limit:
                            refused[limit] += 1
                        errors(item.ref, error)
                        continue
                    if report:
                        reports.append({"source": item.ref, **result.report})
                    audit.append("sanitize", event_id=result.event_id, policy_hash=sanitizer.policy.hash,
                                 payload_sha256=result.digest,
                                 details={"source": item.ref, "blocked": result.blocked, "changes": result.changes})
                    if result.blocked:
                        first = result.leaks[0]
                        errors(item.ref, f"blocked by the leak gate: {first['reason']} at {first['path'] or '<event>'}")
                        continue
                    writer.write(result.json, item.form)
                    done["written"] += 1
                writer.close()
            done["output"] = True
            if report:
                summary = {**_summary(reports, sanitizer.policy), "rejected_by_limit": dict(refused)}
                write_file(report, orjson.dumps(summary, option=orjson.OPT_INDENT_2) + b"\n")
    except Interrupted as stopped:
        click.echo(_interrupted(done, output, sink.replaces, report), err=True)
        die_of(stopped.signum)
    if errors.count:
        sys.exit(1)


@main.command()
@click.argument("input_path", metavar="INPUT")
@click.option("--target", "target_url", required=True, metavar="URL|NAME",
              help="QA base URL, or the name of a target in the config file.")
@click.option("--config", type=click.Path(dir_okay=False), envvar="REPLAY_CONFIG",
              help="Targets file (default: $REPLAY_CONFIG, else ./replay.toml).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per event on stdout.")
@click.option("--policy", type=click.Path(exists=True, dir_okay=False), help="Sanitizer policy YAML.")
@click.option("--curl", "show_curl", is_flag=True, help="Also print a sanitized curl command per event.")
@click.option("--ignore-parity", is_flag=True, help="Replay even when QA drifts from production (error drifts).")
@click.option("--save", "save_dir", type=click.Path(file_okay=False), help="Write a sanitized incident bundle per event here.")
def run(input_path: str, target_url: str, config: str | None, as_json: bool, policy: str | None,
        show_curl: bool, ignore_parity: bool, save_dir: str | None) -> None:
    """Sanitize each event of INPUT, replay its request against QA and report the verdict.

    Verdicts: reproduced (QA failed like production), not_reproduced (QA succeeded),
    inconclusive (no answer, or nothing to replay), blocked (the tool refused to send).
    Before sending, QA's manifest is compared with the event's environment (release, packages,
    feature flags); error drifts block the replay unless --ignore-parity. Exit status 1 when an
    event could not be read or a replay was blocked; 0 when every replay was sent, whatever its verdict.

    \b
    Examples:
      replay run event.json --target http://127.0.0.1:8001
      replay run events.jsonl --target http://qa.internal:8080 --json > verdicts.jsonl
    """
    from connectors import read_documents
    from replay.config import resolve_target
    from replay.output import prepare_folder

    prepare_folder(save_dir)
    target = resolve_target(target_url, config)
    sanitizer = _sanitizer(policy)
    errors = _Errors()
    results = _replay_all(read_documents(input_path), sanitizer, target, errors, ignore_parity, progress=not as_json,
                          emit=_json_line(show_curl, target) if as_json else None)
    if not as_json:
        _print_table(results, show_curl=show_curl, target=target)
    _save(results, save_dir, target)
    _exit_if_not_all_sent(results, errors)


def _exit_if_not_all_sent(results: list, errors: _Errors) -> None:
    """Exit 1 when an input could not be read or a replay was refused (parity drift, a host off
    the allow-list, an actor without access, the leak gate): a script must not take a replay
    that never happened for one that did. Every verdict of a sent replay exits 0."""
    refused = sum(result.verdict == "blocked" for _, result in results)
    if refused:
        click.echo(f"replay: {refused} of {len(results)} replays blocked, nothing sent for "
                   f"{'it' if refused == 1 else 'them'} (the reason is in each row)", err=True)
    if errors.count or refused:
        sys.exit(1)


def _replay_all(items, sanitizer, target, errors: _Errors, ignore_parity: bool, *, progress: bool = False,
                emit=None) -> list:
    """Replay every item; ``emit(ref, result)`` hears of each result in input order as soon as it and
    every one before it are done (``--json`` lines stream while later events still replay)."""
    import threading

    import httpx
    from rich.progress import Progress

    from replay.audit import AuditTrail, audit_replay
    from replay.bulk import replay_many
    from replay.parity import load_gate
    from replay.signals import stop_on_signals

    items = list(items)
    limits = httpx.Limits(max_connections=max(10, target.concurrency))
    trail = AuditTrail()
    with httpx.Client(timeout=target.timeout, follow_redirects=False, trust_env=False, limits=limits) as client, \
            contextlib.closing(trail), stop_on_signals() as stop, \
            Progress(transient=True, disable=not (progress and sys.stderr.isatty() and len(items) > 1),
                     console=_stderr_console()) as bar:
        task = bar.add_task("replaying", total=len(items))
        parity = load_gate(target, client, ignore=ignore_parity)

        finished: dict[int, tuple[str, object]] = {}
        lock = threading.Lock()
        cursor = 0

        def done(index: int, ref: str, result) -> None:
            nonlocal cursor
            bar.advance(task)
            if result.outcome is not None or result.verdict == "blocked":  # sent or refused, with an id or not
                audit_replay(trail, result, target=target.name, policy_hash=sanitizer.policy.hash, via=f"cli:{ref}")
            if result.error:
                errors(ref, f"{result.verdict}: {result.reason}")
            with lock:
                finished[index] = (ref, result)
                while emit is not None and cursor in finished:
                    emit(*finished.pop(cursor))
                    cursor += 1

        return replay_many(items, sanitizer=sanitizer, target=target, client=client, parity=parity, on_done=done,
                           stop=stop)


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True)


def _save(results: list, save_dir: str | None, target) -> None:
    if not save_dir:
        return
    from replay.bundle import save_bundle

    used: set[str] = set()
    for index, (ref, result) in enumerate(results):
        name = result.event_id or f"event-{index + 1}"
        name = name if name not in used else f"{name}-{index + 1}"  # two events with one id: two bundles
        used.add(name)
        folder = save_bundle(save_dir, name, result, target)
        click.echo(f"replay: saved {ref} to {folder}", err=True)


def _json_line(show_curl: bool, target):
    """``--json``: one line per result, written and flushed as it comes."""
    import orjson

    from replay.curl import curl_command

    def emit(ref: str, result) -> None:
        data = result.to_json() | {"source": ref}
        if show_curl and result.spec is not None:
            data["curl"] = curl_command(result.spec, target)
        sys.stdout.buffer.write(orjson.dumps(data) + b"\n")
        sys.stdout.flush()

    return emit


def _print_table(results: list, *, show_curl: bool, target) -> None:
    from replay.curl import curl_command
    from rich.console import Console
    from rich.table import Table

    console = Console()
    colours = {"reproduced": "bold red", "not_reproduced": "green", "inconclusive": "yellow", "blocked": "magenta"}
    table = Table(title=f"Replays against {target.base_url}")
    for column in ("source", "event", "request", "parity", "QA status", "verdict", "reason"):
        table.add_column(column, overflow="fold", no_wrap=column in ("parity", "QA status", "verdict"))
    for ref, result in results:
        request = f"{result.request['method']} {result.request['path']}" if result.request else "-"
        table.add_row(ref, (result.event_id or "-")[:12], request, (result.parity or {}).get("status", "-"),
                      str(result.status or "-"),
                      f"[{colours[result.verdict]}]{result.verdict}[/]", result.reason)
    console.print(table)
    if show_curl:
        for ref, result in results:
            if result.spec is not None:
                console.print(f"[dim]# {ref}[/]")
                console.print(curl_command(result.spec, target), markup=False, highlight=False, soft_wrap=True)


@main.command()
@click.argument("issue")
@click.option("--event", "which", default="latest", show_default=True,
              help="latest, oldest, recommended, an event id, or all.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="With --event all: at most N events.")
@click.option("--target", "target_url", required=True, metavar="URL|NAME",
              help="QA base URL, or the name of a target in the config file.")
@click.option("--config", type=click.Path(dir_okay=False), envvar="REPLAY_CONFIG",
              help="Targets file (default: $REPLAY_CONFIG, else ./replay.toml).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per event on stdout.")
@click.option("--curl", "show_curl", is_flag=True, help="Also print a sanitized curl command per event.")
@click.option("--policy", type=click.Path(exists=True, dir_okay=False), help="Sanitizer policy YAML.")
@click.option("--ignore-parity", is_flag=True, help="Replay even when QA drifts from production (error drifts).")
@click.option("--save", "save_dir", type=click.Path(file_okay=False), help="Write a sanitized incident bundle per event here.")
def sentry(issue: str, which: str, limit: int | None, target_url: str, config: str | None, as_json: bool,
           show_curl: bool, policy: str | None, ignore_parity: bool, save_dir: str | None) -> None:
    """Fetch a Sentry issue's event, sanitize it, replay it on QA and say whether it reproduced.

    ISSUE is a numeric id (12345), a short id (SHOP-1A2) or an issue URL (https://acme.sentry.io/issues/12345/
    or https://sentry.example.com/organizations/acme/issues/12345/). Settings come from
    SENTRY_AUTH_TOKEN, SENTRY_URL (default https://sentry.io) and SENTRY_ORG. The fetched event
    goes straight to the sanitizer; the raw event is never written anywhere. Exit status as for
    `replay run`: 1 when a replay was blocked.

    \b
    Examples:
      replay sentry SHOP-1A2 --target http://127.0.0.1:8001
      replay sentry https://acme.sentry.io/issues/12345/ --event all --limit 20 --target http://qa:8080 --json
    """
    import os

    from connectors.sentry_api import DEFAULT_URL, ORG_ENV, URL_ENV, SentryClient, parse_issue_ref
    from connectors.files import SourceItem
    from replay.config import resolve_target
    from replay.output import prepare_folder

    if limit is not None and which != "all":
        raise click.UsageError("--limit goes with --event all (one event is fetched otherwise)")
    prepare_folder(save_dir)
    target = resolve_target(target_url, config)
    ref = parse_issue_ref(issue, default_url=os.environ.get(URL_ENV) or DEFAULT_URL,
                          default_org=os.environ.get(ORG_ENV))
    which = ref.event_id or which
    sanitizer = _sanitizer(policy)
    errors = _Errors()
    with SentryClient.from_env(base_url=ref.base_url, org=ref.org) as client:
        documents = client.select_events(ref.issue, which, limit=limit)
        items = (SourceItem(f"sentry:{ref.issue}", "json", document=doc) for doc in documents)
        results = _replay_all(items, sanitizer, target, errors, ignore_parity, progress=not as_json,
                              emit=_json_line(show_curl, target) if as_json else None)
    if not results:
        errors(f"sentry:{ref.issue}", "the issue has no events")
    if not as_json:
        _print_table(results, show_curl=show_curl, target=target)
    _save(results, save_dir, target)
    _exit_if_not_all_sent(results, errors)


@main.command()
@click.option("--target", "target_url", required=True, metavar="URL|NAME", help="QA base URL or configured target.")
@click.option("--config", type=click.Path(dir_okay=False), envvar="REPLAY_CONFIG", help="Targets file.")
@click.option("--event", "event_path", type=click.Path(exists=True, dir_okay=False),
              help="A production event (JSON/JSONL, first event) whose environment QA must match.")
@click.option("--baseline", type=click.Path(exists=True, dir_okay=False),
              help="A production manifest file (same contract as QA's manifest endpoint).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--watch", type=click.FloatRange(min=0.1), metavar="SECONDS",
              help="Check again every SECONDS and record each result in the audit trail (Ctrl-C stops).")
@click.option("--count", type=click.IntRange(min=1), help="With --watch: stop after N checks.")
def parity(target_url: str, config: str | None, event_path: str | None, baseline: str | None, as_json: bool,
           watch: float | None, count: int | None) -> None:
    """Compare production's environment with QA's; exit 1 when an error-level drift is found.

    Production comes from an event (release, modules, feature flags, runtime) and/or a baseline
    manifest; QA from its manifest endpoint (the target's `manifest`, default /__manifest).
    Severities: release, major package version, feature flag and schema drifts are errors;
    minor versions, missing env vars and runtime drifts are warnings (override per target with
    `parity_severity`). Usable as a CI gate.

    \b
    Examples:
      replay parity --target http://127.0.0.1:8001 --event event.json
      replay parity --target qa --baseline prod-manifest.json --json
      replay parity --target qa --baseline prod-manifest.json --watch 300   # drift seen when it appears
    """
    import httpx
    import orjson

    from connectors import ConnectorError, read_events
    from replay.config import resolve_target
    from replay.errors import ConfigError
    from replay.parity import Snapshot, compare, load_gate, snapshot_from_event, snapshot_from_manifest

    if not event_path and not baseline:
        raise ConfigError("give --event and/or --baseline: what production ran")
    target = resolve_target(target_url, config)
    production = Snapshot(source="none")
    if event_path:
        item = next(iter(read_events(event_path)))
        if item.error:
            raise ConnectorError(f"{item.ref}: {item.error}")
        production = snapshot_from_event(item.document)
    if baseline:
        try:
            manifest = snapshot_from_manifest(orjson.loads(open(baseline, "rb").read()), baseline)
        except (orjson.JSONDecodeError, ValueError):
            raise ConfigError(f"{baseline}: not a JSON manifest object") from None
        production = _merge(production, manifest)
    if watch:
        sys.exit(_watch_parity(production, target, watch, count))
    with httpx.Client(timeout=target.timeout, follow_redirects=False, trust_env=False) as client:
        gate = load_gate(target, client)
    if gate.qa is None:
        raise ConfigError(gate.reason)
    report = compare(production, gate.qa, gate.severity)
    if as_json:
        click.echo(orjson.dumps(report.to_json()).decode())
    else:
        _print_parity(report, target)
    sys.exit(1 if report.status == "fail" else 0)


def _watch_parity(production, target, interval: float, count: int | None) -> int:
    """Check parity every ``interval`` seconds; each result (and each change) goes to the audit trail."""
    import time
    from datetime import datetime, timezone

    from replay.audit import AuditTrail
    from replay.parity import GateCache, compare

    trail, gates = AuditTrail(), GateCache(target, refresh=0)
    status, checks = "unknown", 0
    try:
        while count is None or checks < count:
            if checks:
                time.sleep(interval)
            checks += 1
            gate = gates.get()
            report = compare(production, gate.qa, gate.severity) if gate.qa is not None else None
            status = report.status if report is not None else "unknown"
            summary = report.summary() if report is not None else gate.reason
            trail.append("parity", target=target.name, details={"status": status, "drift": summary})
            stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            click.echo(f"{stamp} parity of {target.name}: {status}" + (f" ({summary})" if status != "pass" else ""))
    except KeyboardInterrupt:
        pass
    finally:
        trail.close()
    return 1 if status == "fail" else 0


def _merge(event_snapshot, manifest):
    """A baseline manifest says more (env, schema); the event's values fill what it leaves out."""
    from dataclasses import replace

    return replace(manifest, release=manifest.release or event_snapshot.release,
                   packages=event_snapshot.packages | manifest.packages,
                   flags=event_snapshot.flags | manifest.flags, runtime=manifest.runtime or event_snapshot.runtime)


def _print_parity(report, target) -> None:
    from rich.console import Console
    from rich.table import Table

    colours = {"error": "bold red", "warning": "yellow", "info": "dim"}
    table = Table(title=f"Parity of {target.name} with production: {report.status}")
    for column in ("severity", "what", "production", "QA"):
        table.add_column(column, overflow="fold")
    for drift in report.drifts:
        shown = (None, None) if drift.kind.startswith("env") else (drift.production, drift.qa)
        table.add_row(f"[{colours[drift.severity]}]{drift.severity}[/]", drift.name, str(shown[0] or "-"),
                      str(shown[1] or "-"))
    Console().print(table if report.drifts else f"parity of {target.name} with production: pass (no drift)")


@main.command()
@click.option("--keep-running", is_flag=True, help="Leave the QA shop running after the verdict (Ctrl-C stops).")
def demo(keep_running: bool) -> None:
    """The whole story on embedded defaults, nothing to configure.

    Starts the example shop as "production" (sentry-sdk captures its errors in memory), sends it
    a checkout full of personal data that trips a bug, sanitizes the captured event, starts a
    second shop as "QA", replays the event there and prints the verdict, then checks that QA
    received none of the original personal values.
    """
    from replay.demo import run_demo

    sys.exit(run_demo(keep_running=keep_running))


def _register_server_commands() -> None:
    """Commands whose modules import only click at the top, so `replay --help` stays fast."""
    from replay.audit import audit_group
    from replay.pipeline import pipeline_command
    from replay.policy_cli import policy_group
    from replay.serve import serve_command

    main.add_command(serve_command, "serve")
    main.add_command(pipeline_command, "pipeline")
    main.add_command(policy_group, "policy")
    main.add_command(audit_group, "audit")


_register_server_commands()


def _summary(entries: list[dict], policy) -> dict:
    from collections import Counter

    by_rule: Counter[str] = Counter()
    by_entity: Counter[str] = Counter()
    for entry in entries:
        for change in entry["changes"]:
            by_rule[change["rule"]] += 1
            by_entity[change["entity"]] += 1
    return {
        "policy": {"name": policy.name, "hash": policy.hash, "source": policy.source},
        "events": len(entries),
        "blocked": sum(e["blocked"] for e in entries),
        "changes_by_rule": dict(by_rule.most_common()),
        "changes_by_entity": dict(by_entity.most_common()),
        "per_event": entries,
    }


if __name__ == "__main__":
    main()
