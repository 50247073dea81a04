"""Where an event's time goes: the sanitizer's stages, its detectors, and ``replay sanitize``'s own work.

    python -m bench.phases [--events 2000] [--warm 300] [--seed 7]

Runs what ``replay sanitize`` runs for each line of a generated corpus (``bench/corpus.py``),
in one process on one core: parse the line, sanitize the event (settled, as the command settles
it), dump it, digest it, add its audit record and write it. The first ``--warm`` events fill the
caches as a run's first events do; the rest are timed, every stage with its own timer, so what
the stages cost together is what they cost in a run, instruction cache misses included (a stage
timed alone in a loop costs a half or a third of that). Prints, per timed event, each stage's
microseconds, its share of the whole, its calls and how many of them found something.

The timers cost about half a microsecond a call, a few percent of an event all told; the shares
are what to read. ``bench.instructions`` counts, ``bench.paired`` compares two checkouts' time:
use them to measure a change, this to choose one.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import generate_corpus


# The table's groups, in order (the stages of a group do not overlap, those of the next run within
# them), each with whether its stages return what they found (spans, a leak), so "found" says something.
GROUPS = {"per event": False, "within sanitize": False, "called back in Python": True, "detectors": True}


class Stopwatch:
    """Seconds, calls and calls that returned something truthy, per stage and group; a stage that
    calls itself again (a name faked word by word) is timed once, at the outermost call."""

    def __init__(self) -> None:
        self.stages: dict[tuple[str, str], list[float]] = {}  # (group, name): [seconds, calls, found]
        self._depth: dict[str, int] = {}

    def timed(self, group: str, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        totals = self.stages.setdefault((group, name), [0.0, 0, 0])

        @functools.wraps(function)
        def run(*args: Any, **kwargs: Any) -> Any:
            if self._depth.get(name):
                return function(*args, **kwargs)
            self._depth[name] = 1
            start = time.perf_counter()
            try:
                result = function(*args, **kwargs)
            finally:
                totals[0] += time.perf_counter() - start
                totals[1] += 1
                self._depth[name] = 0
            totals[2] += bool(result)
            return result

        return run

    def reset(self) -> None:
        for totals in self.stages.values():
            totals[:] = [0.0, 0, 0]


def _instrument(sanitizer: Any, watch: Stopwatch) -> None:
    """Timers on the sanitizer's stages and on each detector of its scan and its gate. The walk
    in the core calls these methods back by name, so timers set on the instance are the ones it
    calls."""
    for group, stages in (("within sanitize", ("_walk_document", "_propagate", "_gate")),
                          ("called back in Python", ("_scan", "_gate_leak"))):
        for stage in stages:
            setattr(sanitizer, stage, watch.timed(group, stage, getattr(sanitizer, stage)))
    sanitizer.fakes.fake = watch.timed("called back in Python", "fakes.fake (those the core leaves)",
                                       sanitizer.fakes.fake)
    sanitizer._detectors = [(watch.timed("detectors", f"scan: {rule.id}", detect), rule, bit)
                            for detect, rule, bit in sanitizer._detectors]
    sanitizer._gate_detectors = [(name, watch.timed("detectors", f"gate: {name}", detect), bit)
                                 for name, detect, bit in sanitizer._gate_detectors]
    sanitizer._scan_choices.clear()  # the detector lists chosen so far hold the untimed functions
    sanitizer._gate_choices.clear()


def run(lines: list[bytes], warm: int, audit_path: Path, out_path: Path) -> tuple[Stopwatch, float, int]:
    """(the stopwatch, seconds, events) of sanitizing ``lines[warm:]`` as ``replay sanitize`` does."""
    import orjson

    from connectors import parse_line
    from connectors.limits import DEFAULT_LIMITS
    from replay.audit import AuditTrail, payload_digest
    from replay.ingest import normalize_event_id
    from sanitizers import Sanitizer
    from sanitizers.parallel import settle

    sanitizer = Sanitizer(key=b"bench")
    settle(sanitizer)
    watch = Stopwatch()
    _instrument(sanitizer, watch)
    parse = watch.timed("per event", "parse the line", parse_line)
    sanitize = watch.timed("per event", "sanitize", sanitizer.sanitize)
    dump = watch.timed("per event", "dump the event", orjson.dumps)
    digest = watch.timed("per event", "digest the event (audit)", payload_digest)
    with contextlib.closing(AuditTrail(audit_path)) as trail, trail.batch() as audit, out_path.open("wb") as out:
        record = watch.timed("per event", "add its audit record", audit.append)
        write = watch.timed("per event", "write the line", out.write)
        start = 0.0
        for index, line in enumerate(lines):
            if index == warm:
                gc.collect()
                watch.reset()
                start = time.perf_counter()
            document = parse(line, DEFAULT_LIMITS).document
            result = sanitize(document)
            if result.event is not None:
                write(dump(result.event) + b"\n")
            record("sanitize", event_id=normalize_event_id(document.get("event_id")), policy_hash=sanitizer.policy.hash,
                   payload_sha256=digest(result.event),
                   details={"source": f"corpus:{index + 1}", "blocked": result.blocked, "changes": len(result.changes)})
        seconds = time.perf_counter() - start
    return watch, seconds, len(lines) - warm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2_000)
    parser.add_argument("--warm", type=int, default=300, help="events sanitized before the timers count")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if not 0 <= args.warm < args.events:
        parser.error("--warm must be at least 0 and less than --events")
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        corpus, _ = generate_corpus(work, args.events, args.seed)
        watch, seconds, events = run(corpus.read_bytes().splitlines(), args.warm, work / "audit.sqlite3",
                                     work / "out.jsonl")
    per_event = seconds / events * 1e6
    print(f"{events} events timed (events {args.warm} to {args.events} of corpus seed {args.seed}): "
          f"{per_event:,.0f} us an event, {events / seconds:,.0f} events/s, timers included\n")
    print(f"{'stage':44s} {'us/event':>9s} {'share':>6s} {'calls/event':>12s} {'found':>6s}")
    for group, finds in GROUPS.items():
        print(group)
        stages = [(name, totals) for (in_group, name), totals in watch.stages.items() if in_group == group]
        for name, (spent, calls, found) in sorted(stages, key=lambda stage: -stage[1][0]):
            if calls:
                said = f"{found / calls:6.0%}" if finds else ""
                print(f"  {name:42s} {spent / events * 1e6:9.1f} {spent / seconds:6.1%} {calls / events:12.2f} {said}")


if __name__ == "__main__":
    main()
