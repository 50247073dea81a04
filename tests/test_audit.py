"""The audit trail is a hash chain in real SQLite: appends verify, and an edited, deleted or
re-ordered row is found and named by its seq."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from replay.audit import GENESIS, AuditTrail, _canonical, _content_hash, audit_group


@pytest.fixture
def trail(tmp_path: Path) -> AuditTrail:
    trail = AuditTrail(tmp_path / "audit.sqlite3")
    for i, action in enumerate(["ingest", "sanitize", "replay", "verdict", "policy_test"], start=1):
        trail.append(action, actor="alice", event_id=f"ev{i}", target="qa" if action == "replay" else None,
                     policy_hash="sha256:abc", payload_sha256="0" * 63 + str(i), details={"n": i})
    return trail


def _sql(trail: AuditTrail, statement: str, *params: object) -> None:
    with sqlite3.connect(trail.path) as db:
        db.execute(statement, params)


def test_appended_records_chain_and_verify(trail: AuditTrail) -> None:
    records = trail.records()
    assert [r.seq for r in records] == [1, 2, 3, 4, 5]
    assert records[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(records, records[1:]))
    assert trail.verify() == (True, None, f"5 records, chain intact; head 5:{records[-1].hash}")


def test_a_record_keeps_a_number_beyond_64_bits_exactly_and_verifies(trail: AuditTrail) -> None:
    """orjson would read such an integer as a float: the trail stores and hashes the details'
    canonical bytes, which ``verify`` reads back exactly."""
    record = trail.append("sanitize", details={"changes": 2**70 + 1, "ratio": 0.1})
    assert record.details == trail.records()[-1].details == {"changes": 2**70 + 1, "ratio": 0.1}
    assert record.hash == record.expected_hash() and trail.verify()[0]


def test_actor_defaults_to_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPLAY_ACTOR", "bob")
    assert AuditTrail(tmp_path / "a.sqlite3").append("ingest").actor == "bob"


def test_default_path_lives_in_replay_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REPLAY_AUDIT", raising=False)
    monkeypatch.setenv("REPLAY_HOME", str(tmp_path / "home"))
    assert AuditTrail().path == tmp_path / "home" / "audit.sqlite3"


def test_an_edited_record_is_named(trail: AuditTrail) -> None:
    _sql(trail, "UPDATE audit SET details = ? WHERE seq = 3", '{"n":99}')
    ok, bad, reason = trail.verify()
    assert (ok, bad) == (False, 3) and "edited" in reason


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(trail: AuditTrail) -> None:
    record = trail.records()[2]
    forged = type(record)(**{**record.to_json(), "actor": "mallory", "hash": ""})
    _sql(trail, "UPDATE audit SET actor = 'mallory', hash = ? WHERE seq = 3", forged.expected_hash())
    assert trail.verify()[:2] == (False, 4)


def test_a_deleted_record_is_named(trail: AuditTrail) -> None:
    _sql(trail, "DELETE FROM audit WHERE seq = 2")
    ok, bad, reason = trail.verify()
    assert (ok, bad) == (False, 2) and "deleted" in reason


def test_swapped_records_are_detected(trail: AuditTrail) -> None:
    columns = "time, actor, action, event_id, target, policy_hash, payload_sha256, details, prev_hash, hash"
    with sqlite3.connect(trail.path) as db:
        two, four = (db.execute(f"SELECT {columns} FROM audit WHERE seq = ?", (s,)).fetchone() for s in (2, 4))
        assignments = ", ".join(f"{c.strip()} = ?" for c in columns.split(","))
        db.execute(f"UPDATE audit SET {assignments} WHERE seq = 2", four)
        db.execute(f"UPDATE audit SET {assignments} WHERE seq = 4", two)
    assert trail.verify()[:2] == (False, 2)


def test_concurrent_appends_keep_one_chain(tmp_path: Path) -> None:
    trail = AuditTrail(tmp_path / "a.sqlite3")
    threads = [threading.Thread(target=lambda: [trail.append("sanitize") for _ in range(20)]) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(trail.records()) == 80 and trail.verify()[0]


def test_a_bulk_batch_does_not_lock_out_other_writers_of_the_trail(tmp_path: Path) -> None:
    """Two `replay sanitize` runs sharing a trail: the batch holds its records in memory, not an
    open transaction, so the other run's write goes through (it waited, then failed, 'database is locked')."""
    bulk, other = AuditTrail(tmp_path / "a.db"), AuditTrail(tmp_path / "a.db")
    other._db.execute("PRAGMA busy_timeout=200")
    with bulk.batch(every=3, seconds=0) as batch:
        for n in range(4):
            batch.append("sanitize", event_id=f"{n:032x}")
        other.append("parity", target="qa")
    ok, _, reason = bulk.verify()
    assert ok and reason.startswith("5 records, chain intact")
    assert [r.action for r in bulk.records()] == ["sanitize"] * 3 + ["parity", "sanitize"]


def test_a_bulk_batch_writes_at_most_once_a_while_but_holds_no_more_than_it_may(tmp_path: Path) -> None:
    """Records come faster than the batch writes them (each write syncs the file): held until
    the time has passed, or until the batch holds its most."""
    trail = AuditTrail(tmp_path / "a.db")
    with trail.batch(every=2, seconds=3600, most=5) as batch:
        for n in range(4):
            batch.append("sanitize", event_id=f"{n:032x}")
        assert trail.records() == []
        batch.append("sanitize", event_id=f"{4:032x}")
        assert len(trail.records()) == 5
        batch.append("sanitize", event_id=f"{5:032x}")
    assert len(trail.records()) == 6 and trail.verify()[0]


def test_export_round_trips(trail: AuditTrail, tmp_path: Path) -> None:
    out = tmp_path / "trail.jsonl"
    assert trail.export_jsonl(out) == 5
    lines = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert lines == [r.to_json() for r in trail.records()]
    assert all(type(r).expected_hash(type(r)(**line)) == line["hash"] for r, line in zip(trail.records(), lines))


def test_records_since(trail: AuditTrail) -> None:
    third = trail.records()[2]
    assert [r.seq for r in trail.records(since=third.time)] == [3, 4, 5]


def test_cli_show_verify_export(trail: AuditTrail, tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["--audit", str(trail.path)]
    shown = runner.invoke(audit_group, [*base, "show", "--json"])
    assert [json.loads(line)["seq"] for line in shown.output.splitlines()] == [1, 2, 3, 4, 5]
    assert "policy_test" in runner.invoke(audit_group, [*base, "show"]).output
    assert runner.invoke(audit_group, [*base, "verify"]).exit_code == 0
    out = tmp_path / "x.jsonl"
    assert runner.invoke(audit_group, [*base, "export", str(out)]).exit_code == 0 and out.exists()
    _sql(trail, "UPDATE audit SET action = 'nothing' WHERE seq = 4")
    failed = runner.invoke(audit_group, [*base, "verify"])
    assert failed.exit_code == 1 and "seq 4" in failed.output
    assert runner.invoke(audit_group, [*base, "show", "--since", "yesterday"]).exit_code == 2


def test_sanitize_records_one_audit_record_per_event_without_values(tmp_path: Path, fixtures_dir: Path) -> None:
    import os
    import subprocess
    import sys

    audit = tmp_path / "audit.sqlite3"
    source = fixtures_dir / "events" / "java.json"
    subprocess.run([sys.executable, "-m", "replay.cli", "sanitize", str(source), "-o", str(tmp_path / "out.json")],
                   check=True, capture_output=True, timeout=120,
                   env={**os.environ, "REPLAY_AUDIT": str(audit), "REPLAY_SECRET_KEY": "k"})
    trail = AuditTrail(audit)
    (record,) = trail.records()
    assert record.action == "sanitize" and record.policy_hash.startswith("sha256:") and len(record.payload_sha256) == 64
    assert record.details["changes"] > 0 and trail.verify()[0]
    assert "user@sentry.io" not in json.dumps(record.to_json())
    trail.close()


def test_a_sanitize_records_digest_is_the_sha256_of_the_line_it_wrote(tmp_path: Path) -> None:
    """So ``sha256sum`` of an output line (its newline left out) finds the line's record, and a
    replay of the same sanitized event records the same digest."""
    import hashlib
    import os
    import subprocess
    import sys

    from replay.audit import payload_digest
    from tests.production import capture_bug_events

    bug_events = capture_bug_events("non_ascii_name", "plus_email", "amex_card")
    audit, source, out = tmp_path / "audit.sqlite3", tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text("".join(json.dumps(event) + "\n" for event in bug_events.values()))
    subprocess.run([sys.executable, "-m", "replay.cli", "sanitize", str(source), "-o", str(out)],
                   check=True, capture_output=True, timeout=120,
                   env={**os.environ, "REPLAY_AUDIT": str(audit), "REPLAY_SECRET_KEY": "k"})
    lines = out.read_bytes().splitlines()
    trail = AuditTrail(audit)
    digests = [record.payload_sha256 for record in trail.records()]
    trail.close()
    assert len(lines) == len(bug_events) > 1
    assert digests == [hashlib.sha256(line).hexdigest() for line in lines]
    assert digests == [payload_digest(json.loads(line)) for line in lines]


def test_a_mistyped_trail_path_is_an_error_not_an_intact_empty_chain(tmp_path: Path) -> None:
    from replay.cli import main

    typo = tmp_path / "audit.sqlite" / "trail.sqlite3"
    for command in (["verify"], ["show"], ["export", str(tmp_path / "x.jsonl")]):
        result = CliRunner().invoke(main, ["audit", "--audit", str(typo), *command])
        assert result.exit_code == 2 and "no audit trail at" in result.output and "intact" not in result.output
    assert not typo.parent.exists(), "nothing created"


def test_verify_reads_only_and_refuses_a_file_that_holds_no_trail(tmp_path: Path) -> None:
    """Found by a CLI review: an empty file verified as 'ok: 0 records, chain intact' and was
    given the trail's schema by the command that checked it."""
    from replay.cli import main

    empty = tmp_path / "empty.sqlite3"
    empty.touch()
    for command in (["verify"], ["show"], ["export", "-"]):
        result = CliRunner().invoke(main, ["audit", "--audit", str(empty), *command])
        assert result.exit_code == 2 and "not an audit trail" in result.output and "intact" not in result.output
    assert empty.stat().st_size == 0, "nothing written"


def test_cutting_off_the_newest_records_fails_against_the_head_printed_before(trail: AuditTrail) -> None:
    base = ["--audit", str(trail.path), "verify"]
    before = CliRunner().invoke(audit_group, base)
    head = before.output.strip().rpartition("head ")[2]
    assert before.exit_code == 0 and head == f"5:{trail.records()[-1].hash}"
    _sql(trail, "DELETE FROM audit WHERE seq >= 4")
    assert CliRunner().invoke(audit_group, base).exit_code == 0, "the chain alone cannot tell"
    cut = CliRunner().invoke(audit_group, [*base, "--expect-head", head])
    assert cut.exit_code == 1 and "record 5, the expected head, is missing" in cut.output
    assert CliRunner().invoke(audit_group, [*base, "--expect-head", "5:abc"]).exit_code == 2


def test_a_trail_or_store_that_cannot_be_a_database_is_one_line(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    not_db = tmp_path / "notes.txt"
    not_db.write_text("not a database\n")
    event = tmp_path / "e.json"
    event.write_text('{"message": "hello"}')
    for env in ({"REPLAY_AUDIT": str(not_db)}, {"REPLAY_HOME": str(not_db / "home")}):
        result = subprocess.run([sys.executable, "-m", "replay.cli", "sanitize", str(event)], capture_output=True,
                                text=True, timeout=120, env={**os.environ, "REPLAY_SECRET_KEY": "k", **env})
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        assert result.stderr.startswith("replay: cannot open the audit trail at")


def _open_both(kind: str, path: str, barrier: Any, answers: Any) -> None:
    """In a worker process: open a trail or store the moment the others do."""
    from replay.store import ResultStore

    barrier.wait()
    try:
        (AuditTrail if kind == "audit" else ResultStore)(path)
        answers.put("ok")
    except BaseException as exc:  # noqa: BLE001 - the answer is the test's evidence
        answers.put(f"{type(exc).__name__}: {exc}")


@pytest.mark.parametrize("kind", ["audit", "store"])
def test_workers_opening_a_fresh_trail_or_store_together_all_get_it(tmp_path: Path, kind: str) -> None:
    """Workers of one pipeline group start together on one REPLAY_HOME. SQLite answered "database
    is locked" at once (no busy wait) to a worker switching a store to WAL while another created it,
    and that worker stopped; a CI run met it once, a loop of these starts most of the time."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    for attempt in range(15):
        path = str(tmp_path / f"{kind}-{attempt}.sqlite3")
        barrier, answers = context.Barrier(3), context.Queue()
        workers = [context.Process(target=_open_both, args=(kind, path, barrier, answers)) for _ in range(3)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(60)
        assert [answers.get(timeout=5) for _ in workers] == ["ok"] * 3


_TEXT = st.one_of(st.text(st.characters(max_codepoint=127), max_size=12), st.text(max_size=12))
_SCALAR = st.one_of(_TEXT, st.integers(min_value=-(2**70), max_value=2**70), st.booleans(), st.none(),
                    st.floats(allow_nan=True))
_RECORDS = st.dictionaries(_TEXT, st.one_of(
    _SCALAR, st.dictionaries(_TEXT, st.one_of(_SCALAR, st.lists(_SCALAR, max_size=3)), max_size=4)),
    max_size=6)


@settings(max_examples=500, deadline=None)
@given(_RECORDS)
def test_canonical_bytes_are_jsons_whichever_library_writes_them(record: dict[str, Any]) -> None:
    """A record hashes the same whether orjson (plain records) or ``json`` writes it, so chains
    written before and after verify alike; text ``json`` cannot encode fails as it did."""
    try:
        expected = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        with pytest.raises(UnicodeEncodeError):
            _canonical(record)
        return
    assert _canonical(record) == expected


@settings(max_examples=300, deadline=None)
@given(_RECORDS.filter(lambda r: "details" not in r), _RECORDS)
def test_a_record_with_its_details_spliced_in_hashes_as_one_made_whole(fields: dict[str, Any],
                                                                       details: dict[str, Any]) -> None:
    """A record hashes its details' canonical bytes as they are: the same hash ``verify``
    computes from the whole record read back (non-ASCII, floats, integers beyond 64 bits)."""
    try:
        details_json = _canonical(details)
    except UnicodeEncodeError:
        return  # such details refuse to be recorded at all
    content = {**fields, "details": json.loads(details_json)}  # as verify reads it back
    try:
        whole = _content_hash(content)
    except UnicodeEncodeError:
        return
    assert _content_hash(fields, details_json) == whole
