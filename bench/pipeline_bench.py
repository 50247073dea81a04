"""End-to-end throughput of `replay pipeline`: Kafka → sanitize → replay on the example QA shop → store.

    python -m bench.pipeline_bench [--events 1000] [--workers 1 2] [--bootstrap 127.0.0.1:9092]

Needs the broker (``make kafka-up``). Starts the example shop as QA, captures one real production
event of the ``leap_birthday`` bug, produces N copies (unique event ids) to a fresh 2-partition
topic per run, starts the workers as separate processes of one consumer group sharing one result
store, and times until the store holds N results. Prints two figures per run: wall time from
launching the workers (includes start-up and the group join) and steady state (first to last
result).
"""

from __future__ import annotations

import argparse
import copy
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _count(store: Path) -> tuple[int, float | None, float | None]:
    if not store.exists():
        return 0, None, None
    db = sqlite3.connect(store, timeout=30)
    try:
        return db.execute("SELECT COUNT(*), MIN(recorded_at), MAX(recorded_at) FROM results").fetchone()
    except sqlite3.OperationalError:
        return 0, None, None
    finally:
        db.close()


def run(bootstrap: str, qa_url: str, base_event: dict, events: int, workers: int, tmp: Path) -> dict:
    import orjson
    from kafka import KafkaAdminClient, KafkaProducer

    topic = f"bench-pipeline-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics({topic: {"num_partitions": 2, "replication_factor": 1}}, wait_for_metadata=True)
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    for i in range(events):
        event = copy.deepcopy(base_event)
        event["event_id"] = uuid.uuid4().hex
        event["request"]["query_string"] = f"probe=ev{i:05d}"
        producer.send(topic, value=orjson.dumps(event), partition=i % 2)
    producer.flush()
    producer.close()

    store = tmp / f"{topic}.sqlite3"
    argv = [sys.executable, "-m", "replay.cli", "pipeline", "--source", f"kafka://{bootstrap}/{topic}",
            "--group", f"{topic}-group", "--target", qa_url, "--store", str(store), "--idle-timeout", "3"]
    env = dict(os.environ, REPLAY_SECRET_KEY="bench")
    started = time.time()
    procs = [subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL) for _ in range(workers)]
    try:
        while (state := _count(store))[0] < events:
            if all(p.poll() is not None for p in procs):
                raise RuntimeError(f"workers exited with {state[0]} of {events} results")
            time.sleep(0.1)
    finally:
        for p in procs:
            p.wait(60)
        admin.delete_topics([topic])
        admin.close()
    count, first, last = _count(store)
    return {"workers": workers, "events": count, "wall_s": last - started,
            "wall_eps": count / (last - started), "steady_eps": (count - 1) / (last - first)}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pipeline_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--bootstrap", default=f"127.0.0.1:{os.environ.get('KAFKA_PORT', '9092')}")
    args = parser.parse_args()

    from replay.demo import start_shop
    from tests.production import capture_bug_events

    base_event = capture_bug_events("leap_birthday")["leap_birthday"]
    qa, qa_url = start_shop("--role", "qa")
    try:
        with tempfile.TemporaryDirectory(prefix="pipeline-bench-") as tmp:
            print(f"replay pipeline, {args.events} events, 2 partitions, QA {qa_url}, {os.cpu_count()} CPU(s)")
            for workers in args.workers:
                r = run(args.bootstrap, qa_url, base_event, args.events, workers, Path(tmp))
                print(f"  {r['workers']} worker(s): {r['events']} results in {r['wall_s']:.1f} s = "
                      f"{r['wall_eps']:.0f} events/s end to end (with start-up), {r['steady_eps']:.0f} events/s steady",
                      flush=True)
    finally:
        qa.terminate()
        qa.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
