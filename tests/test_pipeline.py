"""`replay pipeline` against the real broker and a real QA shop: nothing lost, nothing replayed twice."""

from __future__ import annotations

import copy
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import msgpack
import orjson
import pytest
from click.testing import CliRunner
from kafka import KafkaConsumer, KafkaProducer

from replay.pipeline import pipeline_command
from tests.production import capture_bug_events

pytestmark = pytest.mark.kafka

ROOT = Path(__file__).resolve().parent.parent
MARKER = "PoisonPayloadMarker-7f3a9c"


@pytest.fixture(scope="module")
def production_event() -> dict:
    return capture_bug_events("leap_birthday")["leap_birthday"]


def make_events(base: dict, n: int) -> list[dict]:
    """Copies of a production event, each with its own event id and a probe in the query string."""
    events = []
    for i in range(n):
        event = copy.deepcopy(base)
        event["event_id"] = uuid.uuid4().hex
        event["request"]["query_string"] = f"probe=ev{i:05d}"
        events.append(event)
    return events


def produce(bootstrap: str, topic: str, values: list[bytes], *, partitions: int = 2) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    for i, value in enumerate(values):
        producer.send(topic, value=value, partition=i % partitions)
    producer.flush()
    producer.close()


def consume_all(bootstrap: str, topic: str, expected: int, timeout: float = 20) -> list[bytes]:
    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                             enable_auto_commit=False, group_id=None, consumer_timeout_ms=2000)
    values: list[bytes] = []
    deadline = time.monotonic() + timeout
    while len(values) < expected and time.monotonic() < deadline:
        values += [r.value for r in consumer]
    consumer.close()
    return values


def probes(qa_log: Path) -> Counter:
    """How often QA received each probe (the planted query string)."""
    if not qa_log.exists():
        return Counter()
    lines = [json.loads(line) for line in qa_log.read_text("utf-8").splitlines()]
    return Counter(line["query_string"] for line in lines if line["query_string"].startswith("probe="))


def results(store: Path) -> dict[str, dict]:
    if not store.exists():
        return {}
    db = sqlite3.connect(store, timeout=30)
    try:
        return {eid: orjson.loads(rec) for eid, rec in db.execute("SELECT event_id, record FROM results")}
    except sqlite3.OperationalError:
        return {}
    finally:
        db.close()


def args(bootstrap: str, topic: str, qa_url: str, store: Path, *extra: str, group: str | None = None) -> list[str]:
    return ["--source", f"kafka://{bootstrap}/{topic}", "--group", group or f"g-{uuid.uuid4().hex[:8]}",
            "--target", qa_url, "--store", str(store), *extra]


def run_inline(argv: list[str]):
    result = CliRunner().invoke(pipeline_command, argv, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def start_worker(argv: list[str], stderr: Path, *, prefix: tuple[str, ...] = (), command: str = "pipeline",
                 **env: str) -> subprocess.Popen:
    """`replay pipeline ARGV` (or another ``command``) in a subprocess, its stderr to a file;
    ``prefix`` runs it inside another command (a namespace), ``env`` adds variables."""
    return subprocess.Popen([*prefix, sys.executable, "-m", "replay.cli", command, *argv], cwd=ROOT,
                            env={**os.environ, "REPLAY_SECRET_KEY": "pipeline-tests", **env},
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr.open("wb"))


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


def test_every_produced_event_gets_exactly_one_result_and_one_qa_request(
        kafka_bootstrap, kafka_topic, shop, production_event, tmp_path):
    qa_url, qa_log = shop()
    events = make_events(production_event, 200)
    produce(kafka_bootstrap, kafka_topic, [orjson.dumps(e) for e in events])
    store = tmp_path / "results.sqlite3"

    out = run_inline(args(kafka_bootstrap, kafka_topic, qa_url, store, "--idle-timeout", "2", "--stats"))

    stored = results(store)
    assert set(stored) == {e["event_id"] for e in events}
    assert Counter(r["verdict"] for r in stored.values()) == {"reproduced": 200}
    assert probes(qa_log) == {f"probe=ev{i:05d}": 1 for i in range(200)}
    assert "processed=200 replayed=200 reproduced=200" in out.stderr
    assert "lag=0" in out.stderr


def test_worker_killed_mid_stream_and_restarted_loses_nothing_and_replays_nothing_twice(
        kafka_bootstrap, kafka_topic, shop, production_event, tmp_path):
    qa_url, qa_log = shop()
    events = make_events(production_event, 150)
    produce(kafka_bootstrap, kafka_topic, [orjson.dumps(e) for e in events])
    store = tmp_path / "results.sqlite3"
    argv = args(kafka_bootstrap, kafka_topic, qa_url, store, group=f"kill-{uuid.uuid4().hex[:8]}")

    first = start_worker([*argv, "--idle-timeout", "60"], tmp_path / "first.err")
    wait_for(lambda: len(results(store)) >= 40, 60, "the first worker to replay 40 events")
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    assert len(results(store)) < 150, "the kill must land mid-stream"

    second = start_worker([*argv, "--idle-timeout", "3", "--stats"], tmp_path / "second.err")
    assert second.wait(90) == 0, (tmp_path / "second.err").read_text()

    stored = results(store)
    assert set(stored) == {e["event_id"] for e in events}
    seen = probes(qa_log)
    assert max(seen.values()) == 1, "an event was replayed twice"
    interrupted = {eid for eid, r in stored.items() if "interrupted" in r["reason"]}
    never_sent = {e["event_id"] for e in events if f"probe=ev{events.index(e):05d}" not in seen}
    assert never_sent <= interrupted and len(interrupted) <= 1, "only the one in flight may lack its replay"


def test_two_workers_share_the_partitions_and_one_takes_over_when_the_other_stops(
        kafka_bootstrap, kafka_topic, shop, production_event, tmp_path):
    qa_url, qa_log = shop()
    events = make_events(production_event, 200)
    store = tmp_path / "results.sqlite3"
    argv = args(kafka_bootstrap, kafka_topic, qa_url, store, "--stats", group=f"pair-{uuid.uuid4().hex[:8]}")
    errs = [tmp_path / "a.err", tmp_path / "b.err"]

    def holds_one_partition(err: Path) -> bool:
        assigned = [line for line in err.read_text().splitlines() if ": assigned " in line]
        return bool(assigned) and assigned[-1].count("/") == 1

    a = start_worker([*argv, "--idle-timeout", "60"], errs[0])
    b = start_worker([*argv, "--idle-timeout", "6"], errs[1])
    wait_for(lambda: holds_one_partition(errs[0]) and holds_one_partition(errs[1]), 60, "both workers to share")
    # produced only now: a worker that joined first would otherwise drain a partition alone
    produce(kafka_bootstrap, kafka_topic, [orjson.dumps(e) for e in events])
    wait_for(lambda: len(results(store)) >= 40, 60, "40 results")
    a.send_signal(signal.SIGTERM)
    assert a.wait(30) == 0, errs[0].read_text()
    assert b.wait(90) == 0, errs[1].read_text()

    stored = results(store)
    assert set(stored) == {e["event_id"] for e in events}
    assert probes(qa_log) == {f"probe=ev{i:05d}": 1 for i in range(200)}
    b_lines = errs[1].read_text()
    assert f"assigned {kafka_topic}/0, {kafka_topic}/1" in b_lines, "the survivor must take over both partitions"
    stats = [dict(field.split("=") for field in line.split()[2:]) for err in errs
             for line in err.read_text().splitlines() if "processed=" in line]
    new = [int(s["processed"]) - int(s["duplicates"]) for s in stats]
    assert sum(new) == 200 and min(new) > 0, stats


def test_poison_messages_go_to_the_dlq_by_offset_without_their_payload(
        kafka_bootstrap, kafka_topic, shop, production_event, tmp_path):
    qa_url, qa_log = shop()
    good = make_events(production_event, 2)
    oversized = copy.deepcopy(good[0]) | {"event_id": uuid.uuid4().hex, "extra": {"blob": MARKER * 2000}}
    poison = [
        f"not json {MARKER}".encode(),
        orjson.dumps({"hello": MARKER}),
        orjson.dumps([MARKER, 1]),
        orjson.dumps(oversized),
        b"\x85\xa4type\xa5event\xa7payload\xc4\xff" + MARKER.encode(),  # msgpack map cut short
        msgpack.packb({"kind": MARKER}),
        msgpack.packb({"type": "event", "payload": f"{{{MARKER}".encode(), "event_id": uuid.uuid4().hex}),
    ]
    values = [orjson.dumps(good[0]), *poison, orjson.dumps(good[1])]
    produce(kafka_bootstrap, kafka_topic, values, partitions=1)
    dlq = f"{kafka_topic}-dlq"
    store = tmp_path / "results.sqlite3"

    out = run_inline(args(kafka_bootstrap, kafka_topic, qa_url, store, "--dlq-topic", dlq, "--max-bytes", "20000",
                          "--idle-timeout", "2", "--stats"))

    letters = consume_all(kafka_bootstrap, dlq, len(poison))
    assert all(MARKER.encode() not in letter for letter in letters)
    assert MARKER not in out.output
    decoded = [orjson.loads(letter) for letter in letters]
    assert sorted(d["offset"] for d in decoded) == list(range(1, len(poison) + 1))
    assert {d["topic"] for d in decoded} == {kafka_topic} and {d["partition"] for d in decoded} == {0}
    kinds = {d["offset"]: d["error"] for d in decoded}
    assert kinds == {1: "InvalidJSON", 2: "SchemaError", 3: "SchemaError", 4: "MessageTooLarge",
                     5: "InvalidMsgpack", 6: "SchemaError", 7: "InvalidJSON"}
    assert set(results(store)) == {e["event_id"] for e in good}, "the pipeline kept going after the poison"
    assert "dead_lettered=7" in out.stderr


def test_ingest_events_msgpack_and_events_topic_inserts_are_replayed(
        kafka_bootstrap, kafka_topic, shop, production_event, tmp_path):
    qa_url, qa_log = shop()
    ingest, insert = make_events(production_event, 2)
    ingest_message = msgpack.packb({"type": "event", "payload": orjson.dumps(ingest), "event_id": ingest["event_id"],
                                    "project_id": 1, "start_time": int(time.time())})
    insert_message = orjson.dumps([2, "insert", {"event_id": insert["event_id"], "project_id": 1,
                                                 "data": insert}, {}])
    control_message = orjson.dumps([2, "end_delete_groups", {"project_id": 1, "group_ids": [1]}])
    produce(kafka_bootstrap, kafka_topic, [ingest_message, insert_message, control_message], partitions=1)
    results_topic = f"{kafka_topic}-results"
    store = tmp_path / "results.sqlite3"

    run_inline(args(kafka_bootstrap, kafka_topic, qa_url, store, "--results-topic", results_topic,
                    "--idle-timeout", "2"))

    published = {r["event_id"]: r for r in map(orjson.loads, consume_all(kafka_bootstrap, results_topic, 2))}
    assert set(published) == {ingest["event_id"], insert["event_id"]}
    assert {r["verdict"] for r in published.values()} == {"reproduced"}
    assert probes(qa_log) == {"probe=ev00000": 1, "probe=ev00001": 1}


def test_a_redelivered_event_is_not_replayed_again(kafka_bootstrap, kafka_topic, shop, production_event, tmp_path):
    qa_url, qa_log = shop()
    (event,) = make_events(production_event, 1)
    produce(kafka_bootstrap, kafka_topic, [orjson.dumps(event), orjson.dumps(event)], partitions=1)
    store = tmp_path / "results.sqlite3"

    out = run_inline(args(kafka_bootstrap, kafka_topic, qa_url, store, "--idle-timeout", "2", "--stats"))

    assert len(results(store)) == 1 and probes(qa_log) == {"probe=ev00000": 1}
    assert "duplicates=1" in out.stderr


def test_the_budget_skips_replays_of_one_issue_beyond_n_per_window(
        kafka_bootstrap, kafka_topic, shop, production_event, tmp_path):
    qa_url, qa_log = shop()
    events = make_events(production_event, 5)
    produce(kafka_bootstrap, kafka_topic, [orjson.dumps(e) for e in events], partitions=1)
    store = tmp_path / "results.sqlite3"

    run_inline(args(kafka_bootstrap, kafka_topic, qa_url, store, "--budget", "2/3600", "--idle-timeout", "2"))

    verdicts = [results(store)[e["event_id"]]["verdict"] for e in events]
    assert verdicts == ["reproduced", "reproduced", "skipped", "skipped", "skipped"]
    assert sum(probes(qa_log).values()) == 2


def test_replays_are_retried_with_backoff_while_qa_refuses_connections(
        kafka_bootstrap, kafka_topic, shop, production_event, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (event,) = make_events(production_event, 1)
    produce(kafka_bootstrap, kafka_topic, [orjson.dumps(event)], partitions=1)
    store = tmp_path / "results.sqlite3"
    worker = start_worker(args(kafka_bootstrap, kafka_topic, f"http://127.0.0.1:{port}", store, "--retries", "6",
                               "--idle-timeout", "2"), tmp_path / "worker.err")

    wait_for(lambda: "assigned " + kafka_topic in (tmp_path / "worker.err").read_text(), 30, "the worker to join")
    time.sleep(1)
    _, qa_log = shop("--port", str(port))
    assert worker.wait(60) == 0

    assert results(store)[event["event_id"]]["verdict"] == "reproduced"
    assert probes(qa_log) == {"probe=ev00000": 1}


def test_workers_sharing_a_store_share_the_budget(kafka_bootstrap, kafka_topic, shop, production_event, tmp_path):
    """Two workers of one group, one partition each, one store: 2 replays of the issue in all, not 2 each."""
    qa_url, qa_log = shop()
    store, group = tmp_path / "results.sqlite3", f"budget-{uuid.uuid4().hex[:8]}"
    argv = [*args(kafka_bootstrap, kafka_topic, qa_url, store, "--budget", "2/3600", "--idle-timeout", "10", "--stats"),
            "--group", group]
    errs = [tmp_path / "first.err", tmp_path / "second.err"]
    first = start_worker(argv, errs[0])
    wait_for(lambda: f"assigned {kafka_topic}/" in errs[0].read_text(), 60, "the first worker to join")
    second = start_worker(argv, errs[1])
    wait_for(lambda: all(re.search(rf"assigned {kafka_topic}/\d$", e.read_text(), re.M) for e in errs), 60,
             "each worker to hold one partition")
    events = make_events(production_event, 8)
    produce(kafka_bootstrap, kafka_topic, [orjson.dumps(e) for e in events], partitions=2)
    assert first.wait(90) == 0 and second.wait(90) == 0, errs[0].read_text() + errs[1].read_text()

    assert all(re.search(r"processed=[1-9]", e.read_text()) for e in errs), "both workers took part"
    verdicts = Counter(r["verdict"] for r in results(store).values())
    assert verdicts == {"reproduced": 2, "skipped": 6}
    assert sum(probes(qa_log).values()) == 2
