"""`replay pipeline` under faults: SIGTERM mid-replay, QA down at shutdown, a broker restart and a
full result-store disk. Each ends in a clear state: every event gets exactly one result, and QA
(a counting fault server) never receives an event twice."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import orjson
import pytest
from kafka import KafkaAdminClient

from tests.test_faults import FaultServer, copy_out, fill, small_disk  # noqa: F401 (fixtures)
from tests.test_faults import fault_server, refused_url  # noqa: F401 (fixtures)
from tests.test_pipeline import production_event  # noqa: F401 (a fixture)
from tests.test_pipeline import ROOT, args, consume_all, make_events, produce, results, start_worker, wait_for

pytestmark = pytest.mark.kafka


def wait_joined(worker: subprocess.Popen, err: Path, topic: str) -> None:
    """Until the worker holds a partition of ``topic``; a worker that exits first fails with its stderr."""
    wait_for(lambda: f"assigned {topic}/" in err.read_text() or worker.poll() is not None, 60, "the worker to join")
    assert worker.poll() is None, err.read_text()


def claims(store: Path) -> int:
    """Events a worker started to replay (claimed), whether or not a result followed."""
    if not store.exists():
        return 0
    with contextlib.closing(sqlite3.connect(store, timeout=30)) as db:
        try:
            return db.execute("SELECT COUNT(*) FROM claims").fetchone()[0]
        except sqlite3.OperationalError:  # not created yet
            return 0


def assert_each_sent_once(server: FaultServer, events: list[dict]) -> None:
    sent = {i: server.replays(f"probe=ev{i:05d}") for i in range(len(events))}
    assert sent == dict.fromkeys(sent, 1), f"times each event reached QA: {sent}"


def test_sigterm_while_qa_holds_the_request_records_it_and_a_restart_replays_the_rest_once(
        kafka_bootstrap, kafka_topic, fault_server, production_event, tmp_path: Path) -> None:
    qa = fault_server("hold")
    events = make_events(production_event, 3)
    produce(kafka_bootstrap, kafka_topic, [orjson.dumps(e) for e in events], partitions=1)
    store = tmp_path / "results.sqlite3"
    argv = args(kafka_bootstrap, kafka_topic, qa.url, store, group=f"term-{uuid.uuid4().hex[:8]}")

    first = start_worker([*argv, "--idle-timeout", "60"], tmp_path / "first.err")
    assert qa.arrived.wait(60), "the first replay never reached QA"
    first.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    qa.release.set()
    assert first.wait(20) == 0, (tmp_path / "first.err").read_text()
    assert list(results(store)) == [events[0]["event_id"]], "only the event in flight is finished"
    assert results(store)[events[0]["event_id"]]["verdict"] == "reproduced"

    second = start_worker([*argv, "--idle-timeout", "2"], tmp_path / "second.err")
    assert second.wait(60) == 0, (tmp_path / "second.err").read_text()
    assert set(results(store)) == {e["event_id"] for e in events}
    assert {r["verdict"] for r in results(store).values()} == {"reproduced"}
    assert_each_sent_once(qa, events)


def test_sigterm_while_qa_is_down_leaves_the_event_for_the_next_worker(
        kafka_bootstrap, kafka_topic, refused_url, fault_server, production_event, tmp_path: Path) -> None:
    (event,) = make_events(production_event, 1)
    produce(kafka_bootstrap, kafka_topic, [orjson.dumps(event)], partitions=1)
    store = tmp_path / "results.sqlite3"
    group = f"down-{uuid.uuid4().hex[:8]}"
    err = tmp_path / "first.err"

    first = start_worker([*args(kafka_bootstrap, kafka_topic, refused_url, store, group=group), "--retries", "20",
                          "--idle-timeout", "60"], err)
    wait_joined(first, err, kafka_topic)
    wait_for(lambda: claims(store) == 1, 30, "the worker to claim the event and wait for QA")
    first.send_signal(signal.SIGTERM)
    assert first.wait(20) == 0, err.read_text()
    assert results(store) == {}, "QA never answered: no result may be recorded for it"

    qa = fault_server("ok")
    second = start_worker([*args(kafka_bootstrap, kafka_topic, qa.url, store, group=group), "--idle-timeout", "2"],
                          tmp_path / "second.err")
    assert second.wait(60) == 0, (tmp_path / "second.err").read_text()
    assert results(store)[event["event_id"]]["verdict"] == "reproduced"
    assert_each_sent_once(qa, [event])


@pytest.fixture
def own_broker(kafka_bootstrap, tmp_path: Path) -> Iterator[tuple[str, Callable[[str], None]]]:
    """A second broker (never the shared one) reusing the shared broker's jars: (bootstrap, control)."""
    ports = []
    for _ in range(2):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            ports.append(sock.getsockname()[1])
    env = {**os.environ, "KAFKA_PORT": str(ports[0]), "KAFKA_CONTROLLER_PORT": str(ports[1]),
           "KAFKA_HOME_DIR": str(tmp_path / "kafka"), "KAFKA_PYTHON": sys.executable,
           "KAFKA_LIBS_DIR": os.environ.get("KAFKA_LIBS_DIR", str(ROOT / ".cache" / "kafka" / "libs"))}

    def control(action: str) -> None:
        proc = subprocess.run(["bash", str(ROOT / "scripts" / "kafka.sh"), action], env=env, capture_output=True,
                              text=True, timeout=90, stdin=subprocess.DEVNULL)
        assert proc.returncode == 0, proc.stdout + proc.stderr

    control("up")
    try:
        yield f"127.0.0.1:{ports[0]}", control
    finally:
        control("down")


def test_a_broker_restart_mid_run_loses_nothing_and_replays_nothing_twice(
        own_broker, fault_server, production_event, tmp_path: Path) -> None:
    bootstrap, broker = own_broker
    topic = f"restart-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics({topic: {"num_partitions": 1, "replication_factor": 1}}, wait_for_metadata=True)
    admin.close()
    qa = fault_server("hold")
    events = make_events(production_event, 40)
    produce(bootstrap, topic, [orjson.dumps(e) for e in events[:30]], partitions=1)
    store, err = tmp_path / "results.sqlite3", tmp_path / "worker.err"
    worker = start_worker([*args(bootstrap, topic, qa.url, store, "--results-topic", f"{topic}-results",
                                 "--idle-timeout", "20", "--stats"), "--group", "restart"], err)
    # the idle clock runs while the broker is away; its restart alone can take 10 s on a busy machine

    assert qa.arrived.wait(60), "the first replay never reached QA"
    broker("down")
    qa.release.set()  # the worker stores, publishes and commits while the broker is away
    time.sleep(1)
    broker("up")
    produce(bootstrap, topic, [orjson.dumps(e) for e in events[30:]], partitions=1)
    assert worker.wait(60) == 0, err.read_text()

    stored = results(store)
    assert set(stored) == {e["event_id"] for e in events}
    assert {r["verdict"] for r in stored.values()} == {"reproduced"}
    assert_each_sent_once(qa, events)
    published = {orjson.loads(v)["event_id"] for v in consume_all(bootstrap, f"{topic}-results", len(events))}
    assert published == set(stored), "every stored result is also on the results topic"


def test_a_full_result_store_disk_stops_the_worker_clearly_and_nothing_is_lost(
        kafka_bootstrap, kafka_topic, small_disk, fault_server, production_event, tmp_path: Path) -> None:
    mount, inside, seen_from_here = small_disk
    qa = fault_server("ok")
    events = make_events(production_event, 2)
    argv = [*args(kafka_bootstrap, kafka_topic, qa.url, mount / "results.sqlite3", group=f"d-{uuid.uuid4().hex[:8]}"),
            "--idle-timeout", "3"]
    env = {"REPLAY_AUDIT": str(tmp_path / "audit.sqlite3")}
    err = tmp_path / "first.err"
    first = start_worker(argv, err, prefix=inside, **env)
    wait_joined(first, err, kafka_topic)
    filler = fill(seen_from_here)
    produce(kafka_bootstrap, kafka_topic, [orjson.dumps(e) for e in events], partitions=1)

    assert first.wait(30) == 1
    message = err.read_text()
    assert "Traceback" not in message
    assert "replay: the result store or audit trail cannot be written (database or disk is full)" in message
    assert qa.replays() == 0, "nothing is sent to QA while its result could not be kept"

    filler.unlink()
    second = start_worker(argv, tmp_path / "second.err", prefix=inside, **env)
    assert second.wait(60) == 0, (tmp_path / "second.err").read_text()
    stored = results(copy_out(seen_from_here, tmp_path / "copy"))
    assert set(stored) == {e["event_id"] for e in events}
    assert {r["verdict"] for r in stored.values()} == {"reproduced"}
    assert_each_sent_once(qa, events)


def test_a_result_the_broker_refuses_stops_the_worker_unacknowledged_and_a_restart_publishes_it_once(
        kafka_bootstrap, kafka_topic, fault_server, production_event, tmp_path: Path) -> None:
    """The results topic takes messages of at most 64 bytes: the broker refuses the result, the worker
    stops with exit 1 and leaves the message uncommitted; once the topic takes it, the redelivery is a
    duplicate (QA is not asked again) whose stored result is published."""
    from kafka.admin import ConfigResource, ConfigResourceType

    qa = fault_server("ok")
    (event,) = make_events(production_event, 1)
    results_topic = f"{kafka_topic}-results"
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    admin.create_topics({results_topic: {"num_partitions": 1, "replication_factor": 1,
                                         "configs": {"max.message.bytes": "64"}}}, wait_for_metadata=True)
    produce(kafka_bootstrap, kafka_topic, [orjson.dumps(event)], partitions=1)
    store, group = tmp_path / "results.sqlite3", f"refused-{uuid.uuid4().hex[:8]}"
    argv = [*args(kafka_bootstrap, kafka_topic, qa.url, store, "--results-topic", results_topic, "--idle-timeout", "3"),
            "--group", group]

    first = start_worker(argv, tmp_path / "first.err")
    assert first.wait(60) == 1
    message = (tmp_path / "first.err").read_text()
    assert "Traceback" not in message
    assert ("replay: Kafka did not take a result or dead letter (MessageSizeTooLargeError); the message in flight "
            "was not acknowledged") in message
    assert list(results(store)) == [event["event_id"]], "the result is kept before it is published"
    committed = admin.list_group_offsets(group).get(group, {})
    assert all(offset.offset <= 0 for offset in committed.values()), f"nothing acknowledged: {committed}"

    admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, results_topic,
                                        configs={"max.message.bytes": "1048588"})])
    second = start_worker([*argv, "--stats"], tmp_path / "second.err")
    assert second.wait(60) == 0, (tmp_path / "second.err").read_text()
    assert [o.offset for o in admin.list_group_offsets(group)[group].values()] == [1], "acknowledged now"
    admin.close()
    published = [orjson.loads(v) for v in consume_all(kafka_bootstrap, results_topic, 1)]
    assert [(r["event_id"], r["verdict"]) for r in published] == [(event["event_id"], "reproduced")]
    assert_each_sent_once(qa, [event])
