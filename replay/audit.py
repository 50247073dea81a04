"""A tamper-evident audit trail: who did what, under which policy, as a hash chain in SQLite.

Privacy officers must prove afterwards who replayed what, where and under which policy, so each
record carries the hash of the one before it and its own hash over a canonical JSON of every
field. Editing, deleting or re-ordering a row breaks the chain at that row, and :meth:`verify`
names it. Records hold ids, hashes, verdicts and counts only, never personal values: callers
pass sanitized facts, and the trail may live on any disk.

Limits: a chain cannot by itself reveal that its *newest* records were cut off; export it
(``replay audit export``) or ship it to a topic to anchor the head elsewhere.
"""

from __future__ import annotations

import hashlib
import json
import operator
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NamedTuple

import click
import orjson

from replay.access import current_actor
from replay.errors import unusable_database
from replay.signals import signals_held

__all__ = ["AuditBatch", "AuditRecord", "AuditTrail", "GENESIS", "audit_group", "audit_replay", "default_audit_path",
           "json_digest", "payload_digest", "record_quietly"]

GENESIS = "0" * 64
# The table's columns but the hash, in order; `_row` writes the last two as they are here.
_FIELDS = ("seq", "time", "actor", "action", "event_id", "target", "policy_hash", "payload_sha256",
           "details", "prev_hash")


def default_audit_path() -> Path:
    """``$REPLAY_AUDIT``, else ``audit.sqlite3`` beside the result store in ``REPLAY_HOME``."""
    if os.environ.get("REPLAY_AUDIT"):
        return Path(os.environ["REPLAY_AUDIT"])
    from replay.store import default_home

    return default_home() / "audit.sqlite3"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def _canonical(data: dict[str, Any]) -> bytes:
    """Sorted keys, no whitespace, UTF-8: the same record always hashes the same. ``json``'s
    bytes define it; orjson writes the same bytes for plain records (ASCII text, integers,
    booleans, nulls) three times as fast, and a bulk command writes a record per event."""
    if _plain(data):
        return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _plain(record: dict[str, Any], nested: bool = True) -> bool:
    """Whether orjson and ``json`` write ``record`` alike: a dict of ASCII text, integers of 64
    bits, booleans and nulls, and of such dicts (``details``). A float (their reprs differ),
    other text (a lone surrogate must fail as ``json`` fails) or anything deeper is ``json``'s."""
    for key, value in record.items():
        kind = type(value)
        if kind is str:
            plain = value.isascii()
        elif kind is int:
            plain = -(2**63) <= value < 2**64
        elif kind is dict:
            plain = nested and _plain(value, nested=False)
        else:
            plain = kind is bool or value is None
        if not plain or type(key) is not str or not key.isascii():
            return False
    return True


def _content_hash(content: dict[str, Any], details_json: bytes | None = None) -> str:
    """A record's hash: over every field but the hash itself, ``prev_hash`` included. Given the
    details' canonical bytes (the records ``_entry`` makes have them), ``content`` is the other
    fields, and the bytes are spliced in as they are: the canonical form of a record is its
    details' within its own."""
    if details_json is not None:
        if _plain(content, nested=False):
            return hashlib.sha256(orjson.dumps({**content, "details": orjson.Fragment(details_json)},
                                               option=orjson.OPT_SORT_KEYS)).hexdigest()
        content = {**content, "details": json.loads(details_json)}  # as verify reads it back
    return hashlib.sha256(_canonical(content)).hexdigest()


@dataclass(frozen=True)
class AuditRecord:
    """One link of the chain; ``hash`` covers every other field, ``prev_hash`` included."""

    seq: int
    time: str
    actor: str
    action: str
    event_id: str | None
    target: str | None
    policy_hash: str | None
    payload_sha256: str | None
    details: dict[str, Any] = field(default_factory=dict)
    prev_hash: str = GENESIS
    hash: str = ""

    def content(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _FIELDS}

    def expected_hash(self) -> str:
        return _content_hash(self.content())

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class AuditTrail:
    """Append-only hash chain in one SQLite file. Thread-safe (one connection behind a lock) and
    safe across processes (each write is a short ``IMMEDIATE`` transaction reading the head)."""

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False) -> None:
        """``read_only`` opens an existing trail to read or verify it, and writes nothing to the
        file: one that holds no trail (empty, another database) is an error, not a new trail."""
        self.path = Path(path) if path is not None else default_audit_path()
        self._lock = threading.Lock()
        with unusable_database("audit trail", self.path):
            if read_only:
                self._db = sqlite3.connect(f"{self.path.absolute().as_uri()}?mode=ro", uri=True,
                                           check_same_thread=False, isolation_level=None)
                if self._db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit'").fetchone() is None:
                    self._db.close()
                    raise sqlite3.DatabaseError("not an audit trail: it holds no audit table")
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA busy_timeout=30000")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY, time TEXT NOT NULL, actor TEXT NOT NULL,"
                " action TEXT NOT NULL, event_id TEXT, target TEXT, policy_hash TEXT, payload_sha256 TEXT,"
                " details TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def append(self, action: str, *, actor: str | None = None, event_id: str | None = None,
               target: str | None = None, policy_hash: str | None = None, payload_sha256: str | None = None,
               details: dict[str, Any] | None = None) -> AuditRecord:
        """Add one record after the current head and return it, committed."""
        entry = _entry(action, actor, event_id, target, policy_hash, payload_sha256, details)
        return self._write([entry], keep=True)[0]

    @contextmanager
    def batch(self, every: int = 500, seconds: float = 2.0, most: int = 2_000) -> Iterator["AuditBatch"]:
        """Records held in memory and written in one short transaction once ``every`` are held
        and ``seconds`` have passed since the last write, or once ``most`` are held: a bulk
        command writing one record per event would otherwise spend more time in fsync than in
        its work (each transaction syncs the file, four times: 13 ms on a VM's disk, 25 us an
        event at 500 a time and 1,400 events a second), and holding a transaction open across
        that work would lock out every other process writing the same trail. Whatever was added
        is written on leaving, errors included (the work it records was done); a process killed
        outright loses what it held (``most`` bounds that: 2,000 records, 1.4 s at that pace)."""
        batch = AuditBatch(self, max(1, every), seconds, max(1, every, most))
        try:
            yield batch
        finally:
            batch.flush()

    def _write(self, entries: list[_Entry], keep: bool = False) -> list[AuditRecord]:
        """Chain ``entries`` after the head in one transaction: all of them are written, or none.
        The records are made and returned only if asked to ``keep`` them (a batch writes
        thousands and keeps none), after the transaction."""
        written: list[tuple[dict[str, Any], bytes, str]] = []
        rows: list[tuple] = []
        with self._lock, signals_held():  # Ctrl-C or SIGTERM once the records are in, not halfway
            try:
                self._db.execute("BEGIN IMMEDIATE")
                # inside one IMMEDIATE transaction no other writer can move the head: read it once
                head = self._db.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
                seq, prev = (head[0] + 1, head[1]) if head else (1, GENESIS)
                for fields, details_json in entries:
                    content = {**fields, "seq": seq, "prev_hash": prev}  # what expected_hash covers, but details
                    digest = _content_hash(content, details_json)
                    rows.append(_row(content, details_json, digest))
                    if keep:
                        written.append((content, details_json, digest))
                    seq, prev = seq + 1, digest
                self._db.executemany("INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:  # SQLite has already rolled back on a full disk
                    self._db.execute("ROLLBACK")
                raise
        # the details as verify reads them back
        return [AuditRecord(**content, details=json.loads(details_json), hash=digest)
                for content, details_json, digest in written]

    def records(self, since: str | datetime | None = None) -> list[AuditRecord]:
        """Records in chain order, optionally only those at or after ``since`` (ISO time)."""
        with self._lock:
            rows = self._db.execute("SELECT * FROM audit ORDER BY seq").fetchall()
        records = [_record(row) for row in rows]
        if since is None:
            return records
        bound = _as_utc(since)
        return [r for r in records if datetime.fromisoformat(r.time) >= bound]

    def verify(self, expect_head: tuple[int, str] | None = None) -> tuple[bool, int | None, str]:
        """(ok, first bad seq, reason). Walks the chain from the start: a gap in ``seq`` is a
        deleted record, a hash that does not match the content an edit, a ``prev_hash`` that
        does not match the record before it a re-ordering or a splice. The newest records can be
        cut off without a trace in the chain itself: ``expect_head`` (seq, hash), a head noted
        earlier outside the trail, must still be there, unchanged."""
        prev_hash, expected_seq = GENESIS, 1
        hashes: dict[int, str] = {}
        for record in self.records():
            if record.seq != expected_seq:
                return False, expected_seq, f"record {expected_seq} is missing (deleted)"
            if record.hash != record.expected_hash():
                return False, record.seq, f"record {record.seq} does not match its hash (edited or moved)"
            if record.prev_hash != prev_hash:
                return False, record.seq, f"record {record.seq} does not follow record {record.seq - 1} (re-ordered or replaced)"
            hashes[record.seq] = record.hash
            prev_hash, expected_seq = record.hash, expected_seq + 1
        if expect_head is not None:
            seq, digest = expect_head
            if seq not in hashes:
                return False, seq, f"record {seq}, the expected head, is missing (the newest records were deleted)"
            if hashes[seq] != digest:
                return False, seq, f"record {seq} is not the expected head (the trail was rewritten from there)"
        count = expected_seq - 1
        head = f"; head {count}:{prev_hash}" if count else ""
        return True, None, f"{count} records, chain intact{head}"

    def export_jsonl(self, out: str | Path) -> int:
        """Write every record as one JSON line (hashes included, so the copy can be re-verified)."""
        from replay.output import output

        records = self.records()
        with output(out) as handle:
            for record in records:
                handle.write((json.dumps(record.to_json(), sort_keys=True, ensure_ascii=False) + "\n").encode())
        return len(records)


class AuditBatch:
    """Records added to a trail in bulk (see :meth:`AuditTrail.batch`); their time is when they
    were added, their place in the chain when they are written."""

    def __init__(self, trail: AuditTrail, every: int, seconds: float, most: int) -> None:
        self._trail, self._every, self._seconds, self._most = trail, every, seconds, most
        self._actor = current_actor()  # one command's: looked up once, not per record
        self._entries: list[_Entry] = []
        self._written = time.monotonic()

    def append(self, action: str, *, actor: str | None = None, event_id: str | None = None,
               target: str | None = None, policy_hash: str | None = None, payload_sha256: str | None = None,
               details: dict[str, Any] | None = None) -> None:
        self._entries.append(_entry(action, actor or self._actor, event_id, target, policy_hash, payload_sha256, details))
        held = len(self._entries)
        if held >= self._most or (held >= self._every and time.monotonic() - self._written >= self._seconds):
            self.flush()

    def flush(self) -> None:
        """Write the records held: they are let go once written (a failed write keeps them for
        the next), Ctrl-C and SIGTERM held off until then."""
        with signals_held():
            if self._entries:
                self._trail._write(self._entries)
                self._entries = []
        self._written = time.monotonic()


class _Entry(NamedTuple):
    """A record's fields but its place in the chain and its details, and the details' canonical
    bytes, which the hash and the row both take as they are (a bulk command's records are never
    read back, so their details are not parsed again)."""

    fields: dict[str, Any]
    details_json: bytes


def _entry(action: str, actor: str | None, event_id: str | None, target: str | None, policy_hash: str | None,
           payload_sha256: str | None, details: dict[str, Any] | None) -> _Entry:
    if not action:
        raise ValueError("an audit record needs an action")
    return _Entry({"time": _now(), "actor": actor or current_actor(), "action": action, "event_id": event_id,
                   "target": target, "policy_hash": policy_hash, "payload_sha256": payload_sha256},
                  _canonical(details or {}))


_BEFORE_DETAILS = operator.itemgetter(*_FIELDS[:_FIELDS.index("details")])


def _row(content: dict[str, Any], details_json: bytes, digest: str) -> tuple:
    """A record's row: its fields in the table's order, the details as the canonical text the
    hash covers, then the hash (``details`` is last but ``prev_hash``)."""
    return (*_BEFORE_DETAILS(content), details_json.decode("utf-8"), content["prev_hash"], digest)


def _record(row: tuple) -> AuditRecord:
    values = dict(zip((*_FIELDS, "hash"), row, strict=True))
    try:
        values["details"] = json.loads(values["details"])
    except (TypeError, ValueError):
        values["details"] = {"unreadable": True}  # verify() then reports the hash mismatch
    return AuditRecord(**values)


def _as_utc(value: str | datetime) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def payload_digest(payload: Any) -> str | None:
    """sha256 of a sanitized payload as compact JSON, its keys in its own order (orjson's bytes):
    proves what was sent without keeping it. ``replay sanitize`` records the digest of each line
    it writes (:func:`json_digest` of those bytes, which this gives too), so ``sha256sum`` of a
    line, its newline left out, finds its record."""
    if payload is None:
        return None
    return json_digest(orjson.dumps(payload, option=orjson.OPT_NON_STR_KEYS))


def json_digest(document: bytes) -> str:
    """sha256 of a payload already written as compact JSON."""
    return hashlib.sha256(document).hexdigest()


def audit_replay(trail: "AuditTrail", result: Any, *, target: str, policy_hash: str, via: str) -> AuditRecord:
    """One record per replay: who sent which sanitized payload where, under which policy, and the
    verdict. ``blocked`` replays are recorded as ``denied``. Only ids, hashes and verdicts."""
    return trail.append("denied" if result.verdict == "blocked" else "replay", event_id=result.event_id,
                        target=target, policy_hash=policy_hash, payload_sha256=payload_digest(result.sanitized_event),
                        details={"verdict": result.verdict, "status": result.status, "evidence": result.evidence,
                                 "via": via})


def record_quietly(path: str | Path | None, action: str, **fields: Any) -> AuditRecord | None:
    """Append for a command whose main work already succeeded: a trail that cannot be written
    is reported on stderr rather than hiding the command's output."""
    try:
        trail = AuditTrail(path)
        try:
            return trail.append(action, **fields)
        finally:
            trail.close()
    except (OSError, sqlite3.Error) as exc:
        click.echo(f"replay: warning: audit trail not written ({type(exc).__name__}: {exc})", err=True)
        return None


# -- command line -----------------------------------------------------------------------------

@click.group("audit")
@click.option("--audit", "audit_path", type=click.Path(dir_okay=False), envvar="REPLAY_AUDIT",
              help="Audit database (default: $REPLAY_AUDIT, else REPLAY_HOME/audit.sqlite3).")
@click.pass_context
def audit_group(ctx: click.Context, audit_path: str | None) -> None:
    """Show, verify and export the tamper-evident audit trail.

    \b
    Examples:
      replay audit show --since 2026-01-01
      replay audit verify
      replay audit export trail.jsonl
    """
    ctx.obj = {"audit_path": audit_path}


def _trail(ctx: click.Context) -> AuditTrail:
    """The trail to read: one that is not there is an error, not an empty trail that verifies
    (a mistyped --audit path must not print "chain intact")."""
    path = Path(ctx.obj["audit_path"]) if ctx.obj.get("audit_path") else default_audit_path()
    if not path.is_file():
        from replay.errors import ConfigError

        raise ConfigError(f"no audit trail at {path} (check --audit or REPLAY_AUDIT)")
    return AuditTrail(path, read_only=True)


@audit_group.command("show")
@click.option("--since", help="Only records at or after this ISO time (e.g. 2026-11-23T00:00).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per record.")
@click.pass_context
def show(ctx: click.Context, since: str | None, as_json: bool) -> None:
    """List audit records, oldest first."""
    try:
        records = _trail(ctx).records(since)
    except ValueError:
        raise click.BadParameter(f"not an ISO time: {since}", param_hint="--since") from None
    if as_json:
        for record in records:
            click.echo(json.dumps(record.to_json(), sort_keys=True))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"audit trail ({len(records)} records)")
    for name in ("seq", "time", "actor", "action", "event", "target", "policy", "details"):
        table.add_column(name, overflow="fold")
    for r in records:
        table.add_row(str(r.seq), r.time, r.actor, r.action, r.event_id or "", r.target or "", r.policy_hash or "",
                      json.dumps(r.details, sort_keys=True))
    Console(width=160).print(table)


@audit_group.command("verify")
@click.option("--expect-head", metavar="SEQ:HASH", callback=lambda ctx, param, value: _head(value),
              help="A head printed by an earlier verify: fail unless that record is still there, unchanged.")
@click.pass_context
def verify(ctx: click.Context, expect_head: tuple[int, str] | None) -> None:
    """Check the hash chain; exit 1 naming the first edited, deleted or re-ordered record.

    It prints the head (SEQ:HASH): keep it elsewhere and pass it to --expect-head later, since
    deleting the newest records leaves an intact chain behind."""
    ok, bad, reason = _trail(ctx).verify(expect_head)
    if ok:
        click.echo(f"ok: {reason}")
        return
    click.echo(f"TAMPERED: first bad record is seq {bad}: {reason}", err=True)
    sys.exit(1)


def _head(value: str | None) -> tuple[int, str] | None:
    if value is None:
        return None
    seq, _, digest = value.partition(":")
    if not (seq.isascii() and seq.isdigit() and len(digest) == 64 and all(c in "0123456789abcdef" for c in digest)):
        raise click.BadParameter("expected SEQ:HASH as verify prints it (a number, a colon, 64 hex digits)")
    return int(seq), digest


@audit_group.command("export")
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
@click.pass_context
def export(ctx: click.Context, out: str) -> None:
    """Write the trail as JSONL (hashes included, so a copy can be verified elsewhere); - for stdout."""
    count = _trail(ctx).export_jsonl(out)
    click.echo(f"exported {count} records to {'stdout' if out == '-' else out}", err=out == "-")
