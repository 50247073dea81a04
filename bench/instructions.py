"""Instructions and cache misses the sanitizer causes per event, by valgrind's cachegrind (issue 8).

    python -m bench.instructions [--events 5000] [--seed 7] [--first 300] [--second 900] [--src DIR]

Wall time on a shared machine drifts by 10% from one minute to the next; counts do not, so a
change of 1% shows. Two processes sanitize the first ``--first`` and the first ``--second``
events of one corpus (``bench/corpus.py``) with a fixed key, settled as ``replay sanitize``
settles its sanitizer; the difference of their counts over the difference of their events is the
cost of one event, start-up and imports cancelled out (the parse of each line included). Both
run with ``PYTHONHASHSEED=0``: with its strings hashed at random a process's dicts probe
differently, and the count moved by 0.5% from one run to the next.

Instructions alone do not say what an event costs: each event runs through so much of the
interpreter, the detectors and the core that their code does not stay in the CPU's first-level
instruction cache (32 KiB), and a miss there costs about as much as a dozen instructions. So the
simulated caches' misses are counted too (first level, instructions and data; last level), and an
estimate of the cycles: one an instruction, 12 a first-level miss, 100 a last-level miss (the
usual latencies, roughly). ``--src`` counts another checkout's ``sanitizers`` (a worktree with
its own core build) on the same corpus: run both to compare.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench import generate_corpus

ROOT = Path(__file__).resolve().parent.parent

_DRIVER = """
import sys
sys.path.insert(0, sys.argv[1])
import orjson
from sanitizers.engine import Sanitizer
from sanitizers.parallel import settle
sanitizer = Sanitizer(key=b"instructions")
settle(sanitizer)
with open(sys.argv[2], "rb") as corpus:
    for _, line in zip(range(int(sys.argv[3])), corpus):
        sanitizer.sanitize(orjson.loads(line))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5_000, help="events in the generated corpus")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--first", type=int, default=300)
    parser.add_argument("--second", type=int, default=900)
    parser.add_argument("--src", type=Path, default=ROOT, help="the checkout whose sanitizers are counted")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("bench.instructions: valgrind is not installed (Debian: apt-get install valgrind)")
    if not 0 <= args.first < args.second <= args.events:
        raise SystemExit("bench.instructions: need 0 <= --first < --second <= --events")
    with tempfile.TemporaryDirectory(prefix="instructions-") as tmp:
        corpus, _ = generate_corpus(Path(tmp), args.events, args.seed)
        with ThreadPoolExecutor(2) as pool:  # the two processes side by side, on two cores
            first, second = pool.map(lambda events: _count(args.src.resolve(), corpus, events, Path(tmp)),
                                     (args.first, args.second))
    per_event = {name: (second[name] - first[name]) / (args.second - args.first) for name in _COUNTS}
    cycles = sum(per_event[name] * weight for name, weight in _COUNTS.items())
    print(f"{args.src}: {per_event['I']:,.0f} instructions per event (events {args.first} to {args.second}, "
          f"corpus seed {args.seed}); misses: {per_event['I1']:,.0f} I1, {per_event['D1']:,.0f} D1, "
          f"{per_event['LL']:,.0f} LL; about {cycles:,.0f} cycles")


# What cachegrind counts (its summary's names), with the cycles each costs in the estimate.
_COUNTS = {"I": 1, "I1": 12, "D1": 12, "LL": 100}
_SUMMARY = re.compile(r"(I)\s+refs:\s+([\d,]+)|(I1|D1|LL)\s+misses:\s+([\d,]+)")


def _count(src: Path, corpus: Path, events: int, tmp: Path) -> dict[str, int]:
    """What a process that sanitizes the corpus's first ``events`` events counts (``_COUNTS``)."""
    done = subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=yes",
                           f"--cachegrind-out-file={tmp / f'cachegrind.{events}.out'}",
                           sys.executable, "-c", _DRIVER, str(src), str(corpus), str(events)],
                          capture_output=True, text=True, cwd=tmp, env={**os.environ, "PYTHONHASHSEED": "0"})
    if done.returncode != 0:
        raise SystemExit(f"bench.instructions: the sanitizing process failed:\n{done.stderr[-2000:]}")
    counts = {refs or misses: int((ref_count or miss_count).replace(",", ""))
              for refs, ref_count, misses, miss_count in _SUMMARY.findall(done.stderr)}
    if set(counts) != set(_COUNTS):
        raise SystemExit("bench.instructions: cachegrind reported no summary")
    return counts


if __name__ == "__main__":
    main()
