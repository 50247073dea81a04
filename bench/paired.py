"""CPU time per event of this checkout's sanitizer against another's, in alternating runs (issue 8).

    python -m bench.paired --src DIR [--pairs 6] [--events 4000] [--warm 300] [--seed 2026] [--cpu 1]

Instructions (``bench.instructions``) say what a change removes, not what it saves: a Python
``re`` instruction costs less than one of the interpreter's, and a cache miss costs many. Time
says that, but it drifts on a shared machine by as much as a change is worth. So the two
checkouts run in turn, each in a fresh process pinned to one core: a sanitizer ``settle``d as
``replay sanitize`` leaves it, ``--warm`` events to fill its caches, then ``--events`` more
timed by the process's CPU clock. A pair ran within the same minute, so the median of the pairs'
differences is steadier than either median alone. ``--src`` is another checkout (a worktree
with its own core build, see ``bench.instructions``).
"""

from __future__ import annotations

import argparse
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
    parser.add_argument("--cpu", type=int, default=1, help="the core each run is pinned to")
    args = parser.parse_args()
    if args.pairs < 1 or args.events < 1 or args.warm < 0:
        raise SystemExit("bench.paired: need --pairs >= 1, --events >= 1 and --warm >= 0")
    if not (args.src / "sanitizers" / "engine.py").is_file():
        raise SystemExit(f"bench.paired: {args.src} is no checkout (no sanitizers/engine.py)")
    with tempfile.TemporaryDirectory(prefix="paired-") as tmp:
        corpus, _ = generate_corpus(Path(tmp), args.warm + args.events, args.seed)
        checkouts = {"this": ROOT, "other": args.src.resolve()}
        runs: dict[str, list[float]] = {name: [] for name in checkouts}
        for pair in range(args.pairs):
            # who goes first alternates: a machine slowing down within a pair favours neither
            for name in (("this", "other") if pair % 2 == 0 else ("other", "this")):
                runs[name].append(_run(checkouts[name], corpus, args))
            print(f"pair {pair + 1}: this {runs['this'][-1]:.1f} us, other {runs['other'][-1]:.1f} us an event")
    this, other = statistics.median(runs["this"]), statistics.median(runs["other"])
    change = statistics.median(t / o - 1 for t, o in zip(runs["this"], runs["other"]))
    print(f"\nmedian CPU per event: this {this:.1f} us, other ({args.src}) {other:.1f} us; "
          f"median change within a pair: {change * 100:+.1f}%")


def _run(src: Path, corpus: Path, args: argparse.Namespace) -> float:
    done = subprocess.run([sys.executable, "-c", _DRIVER, str(src), str(corpus), str(args.warm), str(args.events),
                           str(args.cpu)], capture_output=True, text=True, cwd=src)
    if done.returncode != 0:
        raise SystemExit(f"bench.paired: the sanitizing process of {src} failed:\n{done.stderr[-2000:]}")
    return float(done.stdout.split()[-1])


if __name__ == "__main__":
    main()
