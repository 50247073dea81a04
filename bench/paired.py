"""CPU time per event of this checkout's sanitizer against another's, in pairs of runs (issue 8).

    python -m bench.paired --src DIR [--pairs 6] [--events 4000] [--warm 300] [--seed 2026]

Instructions (``bench.instructions``) say what a change removes, not what it saves: a Python
``re`` instruction costs less than one of the interpreter's, and a cache miss costs many. Time
says that, but it drifts on a shared machine by as much as a change is worth, from one minute
to the next. So each checkout runs in a fresh process pinned to a core of its own, the two at
the same time (their cores swapped from pair to pair), and a host slowing down slows both: a
sanitizer ``settle``d as ``replay sanitize`` leaves it, ``--warm`` events to fill its caches,
then ``--events`` more timed by the process's CPU clock; the median of the pairs' differences
is the result. (Run in turn instead, one pair of the same checkout against itself differed by
-19% to +10%, and eight pairs of session 14's change by a median +9.8% that runs side by side
did not confirm.) With a single core to run on, the two run there in turn, who goes first
alternating. ``--src`` is another checkout (a worktree with its own core build, see
``bench.instructions``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import generate_corpus

ROOT = Path(__file__).resolve().parent.parent

_DRIVER = """
import os, sys, time
sys.path.insert(0, sys.argv[1])
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {int(sys.argv[5])})
import orjson
from sanitizers.engine import Sanitizer
from sanitizers.parallel import settle
sanitizer = Sanitizer(key=b"paired")
settle(sanitizer)
with open(sys.argv[2], "rb") as corpus:
    lines = corpus.read().splitlines()
warm, timed = int(sys.argv[3]), int(sys.argv[4])
for line in lines[:warm]:
    sanitizer.sanitize(orjson.loads(line))
events = [orjson.loads(line) for line in lines[warm:warm + timed]]
start = time.process_time()
for event in events:
    sanitizer.sanitize(event)
print((time.process_time() - start) / len(events) * 1e6)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, required=True, help="the other checkout")
    parser.add_argument("--pairs", type=int, default=6)
    parser.add_argument("--events", type=int, default=4_000, help="events timed in each run")
    parser.add_argument("--warm", type=int, default=300, help="events sanitized before the timed ones")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    cores = sorted(os.sched_getaffinity(0))[:2] if hasattr(os, "sched_getaffinity") else [0]
    if args.pairs < 1 or args.events < 1 or args.warm < 0:
        raise SystemExit("bench.paired: need --pairs >= 1, --events >= 1 and --warm >= 0")
    if not (args.src / "sanitizers" / "engine.py").is_file():
        raise SystemExit(f"bench.paired: {args.src} is no checkout (no sanitizers/engine.py)")
    with tempfile.TemporaryDirectory(prefix="paired-") as tmp:
        corpus, _ = generate_corpus(Path(tmp), args.warm + args.events, args.seed)
        checkouts = {"this": ROOT, "other": args.src.resolve()}
        runs: dict[str, list[float]] = {name: [] for name in checkouts}
        for pair in range(args.pairs):
            names = ("this", "other") if pair % 2 == 0 else ("other", "this")  # the first takes the first core
            if len(cores) == 2:  # side by side
                started = [(name, _start(checkouts[name], corpus, args, core)) for name, core in zip(names, cores)]
                timed = {name: _result(checkouts[name], process) for name, process in started}
            else:  # in turn, who goes first alternating
                timed = {name: _result(checkouts[name], _start(checkouts[name], corpus, args, cores[0]))
                         for name in names}
            for name, micros in timed.items():
                runs[name].append(micros)
            print(f"pair {pair + 1}: this {runs['this'][-1]:.1f} us, other {runs['other'][-1]:.1f} us an event")
    this, other = statistics.median(runs["this"]), statistics.median(runs["other"])
    change = statistics.median(t / o - 1 for t, o in zip(runs["this"], runs["other"]))
    print(f"\nmedian CPU per event: this {this:.1f} us, other ({args.src}) {other:.1f} us; "
          f"median change within a pair: {change * 100:+.1f}%")


def _start(src: Path, corpus: Path, args: argparse.Namespace, core: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", _DRIVER, str(src), str(corpus), str(args.warm), str(args.events),
                             str(core)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=src)


def _result(src: Path, process: subprocess.Popen) -> float:
    """The run's CPU microseconds per event."""
    out, err = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"bench.paired: the sanitizing process of {src} failed:\n{err[-2000:]}")
    return float(out.split()[-1])


if __name__ == "__main__":
    main()
