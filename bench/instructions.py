"""Instructions the sanitizer executes per event, counted by valgrind's callgrind (issue 8).

    python -m bench.instructions [--events 5000] [--seed 7] [--first 300] [--second 900] [--src DIR]

Wall time on a shared machine drifts by 10% from one minute to the next; an instruction count
does not, so a change of 1% shows. Two processes sanitize the first ``--first`` and the first
``--second`` events of one corpus (``bench/corpus.py``) with a fixed key; the difference of their
counts over the difference of their events is the cost of one event, start-up and imports
cancelled out (the parse of each line included). Both run with ``PYTHONHASHSEED=0``: with its
strings hashed at random a process's dicts probe differently, and the count moved by 0.5% from
one run to the next. ``--src`` counts another checkout's ``sanitizers`` (a worktree with its own
core build) on the same corpus: run both to compare.
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
sanitizer = Sanitizer(key=b"instructions")
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
    per_event = (second - first) / (args.second - args.first)
    print(f"{args.src}: {per_event:,.0f} instructions per event (events {args.first} to {args.second}, "
          f"corpus seed {args.seed})")


def _count(src: Path, corpus: Path, events: int, tmp: Path) -> int:
    """Instructions of a process that sanitizes the corpus's first ``events`` events."""
    done = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp / f'callgrind.{events}.out'}",
                           sys.executable, "-c", _DRIVER, str(src), str(corpus), str(events)],
                          capture_output=True, text=True, cwd=tmp, env={**os.environ, "PYTHONHASHSEED": "0"})
    if done.returncode != 0:
        raise SystemExit(f"bench.instructions: the sanitizing process failed:\n{done.stderr[-2000:]}")
    collected = re.search(r"Collected : (\d+)", done.stderr)
    if collected is None:
        raise SystemExit("bench.instructions: callgrind reported no instruction count")
    return int(collected.group(1))


if __name__ == "__main__":
    main()
