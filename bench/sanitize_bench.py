"""Sanitizer speed against its peers, in one run, on one corpus (issue 8).

    python -m bench.sanitize_bench [--events 20000] [--seed 2026] [--workers 1 2] [--presidio-events 20] [--repeat 3]

Prints, on the same generated corpus (~3.6 KB Sentry events):
- ``replay sanitize`` as a whole process (start-up included) with each ``--workers``: events/s,
  CPU seconds, peak RSS; the output of every worker count must be byte-identical;
- our per-event latency p50/p99 in-process, and the orjson parse+dump floor;
- Sentry Relay's ``pii_strip_event`` with Sentry's default data-scrubbing config (scrub data,
  default scrubbers, IP addresses) in process;
- naive presidio: ``AnalyzerEngine.analyze`` on every string of a small subset (with a blank
  spaCy pipeline: no NER model can be downloaded here, so this is presidio's pattern recognizers
  only, a lower bound on its real cost);
- the ratios between them, and the leak/keep score of our output (quality must not drop);
- the start-up: ``replay --help`` and ``replay sanitize`` of one event, three runs each.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

from bench import generate_corpus

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--latency-events", type=int, default=2_000, help="events for p50/p99 (in process)")
    parser.add_argument("--presidio-events", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds of the whole-process runs and Relay's, taken in turn; their medians are printed "
                             "(a shared machine's speed drifts from one minute to the next)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="sanitize-bench-") as tmp:
        work = Path(tmp)
        corpus, truth = generate_corpus(work, args.events, args.seed)
        raw = corpus.read_bytes().splitlines()
        print(f"corpus: {len(raw)} events, {sum(map(len, raw)) / len(raw) / 1024:.1f} KB each on average\n")

        events = [orjson.loads(line) for line in raw]
        outputs = {workers: work / f"out-{workers}.jsonl" for workers in args.workers}
        runs: dict[int, list[tuple[float, float, int]]] = {workers: [] for workers in args.workers}
        relays: list[float] = []
        for _ in range(max(1, args.repeat)):  # each round ours and Relay's in turn: drift hits both alike
            for workers in args.workers:
                runs[workers].append(_run_cli(corpus, outputs[workers], workers, work))
            relays.append(_relay(events))
        rows: list[tuple[str, float, str]] = []
        for workers in args.workers:
            walls = [wall for wall, _, _ in runs[workers]]
            wall, cpu = statistics.median(walls), statistics.median(cpu for _, cpu, _ in runs[workers])
            rows.append((f"replay sanitize --workers {workers} (whole process)", len(raw) / wall,
                         f"wall {wall:.1f} s{_spread(walls)}, CPU {cpu:.1f} s, peak RSS "
                         f"{max(rss for _, _, rss in runs[workers]) / 1024:.0f} MB (main process)"))
        first = outputs[args.workers[0]].read_bytes()
        same = all(path.read_bytes() == first for path in outputs.values())

        one = work / "one.jsonl"
        one.write_bytes(raw[0] + b"\n")
        starts = [_start_up([], work), _start_up(["sanitize", str(one), "-o", str(work / "one-out.jsonl")], work)]
        floor = _orjson_floor(raw)
        p50, p99, ours_in_process = _latency(events[:args.latency_events])
        relay = statistics.median(relays)
        presidio = _presidio(events[:args.presidio_events])
        rows += [
            ("ours, in process (one core)", ours_in_process, f"per event p50 {p50:.2f} ms, p99 {p99:.2f} ms"),
            ("orjson parse + dump (the floor)", floor, ""),
            ("Sentry Relay pii_strip_event, default scrubbing", relay, _spread(relays, "events/s", 0).strip()),
            (f"naive presidio AnalyzerEngine on every string ({args.presidio_events} events)", presidio, ""),
        ]
        width = max(len(name) for name, _, _ in rows)
        for name, rate, note in rows:
            print(f"{name:<{width}}  {rate:>9.0f} events/s  {note}")
        single = rows[0][1]
        print(f"\nours (whole process, --workers {args.workers[0]}) / Relay: {single / relay:.2f}x;"
              f" / naive presidio: {single / presidio:.0f}x; / orjson floor: {single / floor:.3f}")
        if len(args.workers) > 1:
            print(f"scaling --workers {args.workers[-1]} vs {args.workers[0]}: {rows[len(args.workers) - 1][1] / single:.2f}x"
                  f" on {os.cpu_count()} cores; outputs identical: {same}")
        for name, walls in zip(("replay --help", "replay sanitize of one event"), starts):
            print(f"start-up, {name}: {statistics.median(walls):.2f} s{_spread(walls, digits=2)}")
        score = subprocess.run([sys.executable, str(ROOT / "bench" / "score.py"), "--truth", str(truth),
                                "--output", str(outputs[args.workers[0]])], capture_output=True, text=True)
        print("\n" + "\n".join(line for line in score.stdout.splitlines()
                               if line.startswith(("zero-leak", "overall leak", "technical kept", "RESULT"))))


def _spread(values: list[float], unit: str = "s", digits: int = 1) -> str:
    """The range of a repeated measurement, beside its median; nothing for a single one."""
    if len(values) < 2:
        return ""
    return f" (median of {len(values)}: {min(values):.{digits}f}-{max(values):.{digits}f} {unit})"


# Started by a small launcher process, which waits for it: Linux counts the memory of the process
# a command is started from (the bench, holding the corpus and Relay's work) in the command's
# peak RSS, so started from the bench itself it would report the bench's.
_LAUNCH = """
import os, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(proc.pid, 0)
print(time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def _run_cli(corpus: Path, out: Path, workers: int, work: Path) -> tuple[float, float, int]:
    """(wall s, CPU s, peak RSS KB) of one ``replay sanitize`` process, measured by wait4. CPU
    includes the worker processes it waited for; the peak RSS is the main process's own."""
    return _replay(["sanitize", str(corpus), "-o", str(out), "--workers", str(workers)], work)


def _start_up(arguments: list[str], work: Path, runs: int = 3) -> list[float]:
    """Wall seconds of ``replay ARGUMENTS`` (``--help`` where none), ``runs`` times: the start-up
    targets, a command that only loads and one that sanitizes a single event."""
    return [_replay(arguments or ["--help"], work)[0] for _ in range(runs)]


def _replay(arguments: list[str], work: Path) -> tuple[float, float, int]:
    env = {**os.environ, "REPLAY_SECRET_KEY": "bench", "REPLAY_HOME": str(work / "home")}
    command = [str(Path(sys.executable).with_name("replay")), *arguments]
    done = subprocess.run([sys.executable, "-c", _LAUNCH, *command], env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, text=True, check=True)
    wall, cpu, rss, code = done.stdout.split()
    if int(code) not in (0, 1):  # 1: some event blocked by the leak gate, reported on stderr
        raise SystemExit(f"replay {arguments[0]} failed with exit code {code}")
    return float(wall), float(cpu), int(rss)


def _orjson_floor(raw: list[bytes]) -> float:
    start = time.process_time()
    for line in raw:
        orjson.dumps(orjson.loads(line))
    return len(raw) / (time.process_time() - start)


def _latency(events: list[dict]) -> tuple[float, float, float]:
    from sanitizers import Sanitizer
    from sanitizers.parallel import settle

    sanitizer = Sanitizer(key=b"bench")
    settle(sanitizer)  # as replay sanitize and replay pipeline run it
    sanitizer.sanitize(events[0])
    times = []
    for event in events:
        start = time.perf_counter()
        sanitizer.sanitize(event)
        times.append((time.perf_counter() - start) * 1000)
    quantiles = statistics.quantiles(times, n=100)
    return quantiles[49], quantiles[98], len(times) / (sum(times) / 1000)


def _relay(events: list[dict]) -> float:
    from sentry_relay.processing import convert_datascrubbing_config, pii_strip_event

    config = convert_datascrubbing_config({"scrubData": True, "scrubDefaults": True, "scrubIpAddresses": True,
                                           "sensitiveFields": [], "excludeFields": []})
    start = time.process_time()
    for event in events:
        pii_strip_event(config, event)
    return len(events) / (time.process_time() - start)


def _presidio(events: list[dict]) -> float:
    import spacy
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import EmailRecognizer

    from sanitizers.detectors import _offline_email_recognizer

    with tempfile.TemporaryDirectory() as model:
        spacy.blank("en").to_disk(model)
        engine = AnalyzerEngine(nlp_engine=SpacyNlpEngine(models=[{"lang_code": "en", "model_name": model}]),
                                supported_languages=["en"])
    # presidio's own e-mail recognizer would try to download the public suffix list
    engine.registry.remove_recognizer("EmailRecognizer")
    engine.registry.add_recognizer(_offline_email_recognizer(EmailRecognizer))  # presidio's class, not our copy
    from bench.corpus import strings_in

    strings = [list(strings_in(event)) for event in events]
    start = time.process_time()
    for event_strings in strings:
        for text in event_strings:
            engine.analyze(text, language="en")
    return len(events) / (time.process_time() - start)


if __name__ == "__main__":
    main()
