"""Where an event's time goes: the sanitizer's stages, its detectors, and ``replay sanitize``'s own work.

    python -m bench.phases [--events 2000] [--warm 300] [--seed 7]

Runs what ``replay sanitize`` runs for each line of a generated corpus (``bench/corpus.py``),
by the command's own functions, in one process on one core: parse the line, sanitize the event
(settled, as the command settles it), dump and digest it, add its audit record (the records
written to the trail in batches, as the command writes them) and write the line. The first
``--warm`` events fill the caches as a run's first events do; the rest are timed, every stage
with its own timer, so what the stages cost together is what they cost in a run, instruction
cache misses included (a stage timed alone in a loop costs a half or a third of that). Prints,
per timed event, each stage's microseconds, its share of the whole, its calls and, for a
detector or a scan, how many of its calls found something.

The timers cost about half a microsecond a call, a few percent of an event all told; the shares
are what to read. ``bench.instructions`` counts, ``bench.paired`` compares two checkouts' time:
use them to measure a change, this to choose one.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import generate_corpus

# The table's groups, in order: the stages of a group do not overlap, those of the next run within them.
GROUPS = ("per event", "within sanitize", "some of the Python the walk and the gate run", "detectors")
# The stages of an event that hold others, and those they hold.
_ITEM, _SANITIZE, _PARSE, _DIGEST = ("the rest of sanitize_item (dump, event id)", "sanitize", "parse the line",
                                     "digest the event (for its audit record)")
_RECORD, _WRITES = "add its audit record", "write the audit records (in batches)"


class Stopwatch:
    """Seconds, calls and calls that found something, per stage; a stage that calls itself again
    (a name faked word by word) is timed once, at the outermost call."""

    def __init__(self) -> None:
        # (group, name): [seconds, calls, calls that found something, or None where that means nothing]
        self.stages: dict[tuple[str, str], list[Any]] = {}
        self._depth: dict[str, int] = {}

    def timed(self, group: str, name: str, function: Callable[..., Any], finds: bool = False) -> Callable[..., Any]:
        """``function`` timed as stage ``name``; ``finds``: it returns what it found (spans, a leak)."""
        totals = self.stages.setdefault((group, name), [0.0, 0, 0 if finds else None])

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
            if totals[2] is not None:
                totals[2] += bool(result)
            return result

        return run

    def reset(self) -> None:
        for totals in self.stages.values():
            totals[:2] = [0.0, 0]
            if totals[2] is not None:
                totals[2] = 0


def _instrument(sanitizer: Any, watch: Stopwatch) -> None:
    """Timers on the sanitizer's passes, on some of the Python its walk and its gate run, and on
    each detector of its scan and its gate. The core calls ``_scan`` and ``_gate_leak`` back by
    name, the engine reaches ``fake`` through its factory, and the walk's screen takes the
    detectors it calls itself from the sanitizer as it warms up, so timers set on the instance
    before then are the ones called."""
    for stage in ("_walk_document", "_propagate", "_gate"):
        setattr(sanitizer, stage, watch.timed("within sanitize", stage, getattr(sanitizer, stage)))
    python = GROUPS[2]
    for stage in ("_scan", "_gate_leak"):
        setattr(sanitizer, stage, watch.timed(python, stage, getattr(sanitizer, stage), finds=True))
    sanitizer.fakes.fake = watch.timed(python, "fakes.fake (the fakes the core leaves)", sanitizer.fakes.fake)
    names = [name for rule in sanitizer.policy.rules for name in rule.detectors]  # as the engine lists them
    sanitizer._detectors = [(watch.timed("detectors", f"scan: {name} ({rule.id})", detect, finds=True), rule, bit)
                            for name, (detect, rule, bit) in zip(names, sanitizer._detectors, strict=True)]
    sanitizer._gate_detectors = [(name, watch.timed("detectors", f"gate: {name}", detect, finds=True), bit)
                                 for name, detect, bit in sanitizer._gate_detectors]
    sanitizer._scan_choices.clear()  # the detector lists chosen so far hold the untimed functions
    sanitizer._gate_choices.clear()


def run(lines: list[bytes], warm: int, audit_path: Path, out_path: Path) -> tuple[Stopwatch, float, int]:
    """(the stopwatch, seconds, events) of sanitizing ``lines[warm:]`` as ``replay sanitize`` does."""
    from connectors.limits import DEFAULT_LIMITS
    from replay import sanitizing
    from replay.audit import AuditTrail
    from sanitizers import Sanitizer
    from sanitizers.parallel import settle

    sanitizer = Sanitizer(key=b"bench")
    watch = Stopwatch()
    _instrument(sanitizer, watch)  # before it settles: the walk's screen calls some detectors itself
    settle(sanitizer)
    sanitizer.sanitize = watch.timed("per event", _SANITIZE, sanitizer.sanitize)
    # the command's functions look these up in their module at each call
    sanitizing.parse_line = watch.timed("per event", _PARSE, sanitizing.parse_line)
    sanitizing.json_digest = watch.timed("per event", _DIGEST, sanitizing.json_digest)
    item = watch.timed("per event", _ITEM, sanitizing.sanitize_item)
    with contextlib.closing(AuditTrail(audit_path)) as trail, trail.batch() as audit, out_path.open("wb") as out:
        trail._write = watch.timed("per event", _WRITES, trail._write)
        record = watch.timed("per event", _RECORD, audit.append)
        writer = sanitizing.Writer(out)
        writer.write = watch.timed("per event", "write the line", writer.write)
        start = 0.0
        for index, line in enumerate(lines):
            if index == warm:
                audit.flush()  # the warm events' records are written before the timers count
                watch.reset()
                start = time.perf_counter()
            result = item(sanitizer, line, limits=DEFAULT_LIMITS, report=False)
            if result.error is not None:
                continue
            record("sanitize", event_id=result.event_id, policy_hash=sanitizer.policy.hash,
                   payload_sha256=result.digest,
                   details={"source": f"corpus:{index + 1}", "blocked": result.blocked, "changes": result.changes})
            if not result.blocked:
                writer.write(result.json, "jsonl")
        written_by_records = watch.stages["per event", _WRITES][0]  # a record may write the batch
        audit.flush()
        seconds = time.perf_counter() - start
    # the stages of a group do not overlap: an outer one's time is without what it calls, timed on its own
    stages = watch.stages
    stages["per event", _ITEM][0] -= sum(stages["per event", name][0] for name in (_SANITIZE, _PARSE, _DIGEST))
    stages["per event", _RECORD][0] -= written_by_records
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
    print(f"the last {events} of {args.events} events of corpus seed {args.seed}: {seconds / events * 1e6:,.0f} us "
          f"an event, {events / seconds:,.0f} events/s, timers included\n")
    print(f"{'stage':52s} {'us/event':>9s} {'share':>6s} {'calls/event':>12s} {'found':>6s}")
    for group in GROUPS:
        print(group)
        stages = [(name, totals) for (in_group, name), totals in watch.stages.items() if in_group == group]
        for name, (spent, calls, found) in sorted(stages, key=lambda stage: -stage[1][0]):
            if calls:
                said = "" if found is None else f"{found / calls:6.0%}"
                print(f"  {name:50s} {spent / events * 1e6:9.1f} {spent / seconds:6.1%} {calls / events:12.3f} {said}")


if __name__ == "__main__":
    main()
