"""The result store: sanitized verdicts in SQLite, keyed by event id for de-duplication.

The embedded default for `replay serve` and `replay pipeline`. It holds sanitized records only
(what :meth:`ReplayResult.to_json` returns), so it may live on any disk. Each write commits
before returning: a caller that acknowledges its source afterwards is at-least-once.

A claim is written just before a request leaves for QA. An event claimed but without a result
was interrupted mid-replay (a crash, a full disk): it is not sent again, so QA never receives
an event twice. Workers sharing the file share their claims, and their replay budgets: at most
N replays of one issue per window, whichever worker makes them, across restarts too.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import orjson

from replay.errors import unusable_database

__all__ = ["INTERRUPTED", "ResultStore", "default_home"]

#: The verdict's reason for an event claimed by an earlier attempt that left no result.
INTERRUPTED = "an earlier attempt was interrupted during its replay; not replayed again so QA never receives it twice"


def default_home() -> Path:
    """``REPLAY_HOME``, else the user's data directory (``$XDG_DATA_HOME/incident-replay``)."""
    if os.environ.get("REPLAY_HOME"):
        return Path(os.environ["REPLAY_HOME"])
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "incident-replay"


_WAIT = 30  # seconds a worker waits on another's lock on the shared file


class ResultStore:
    """Thread-safe; one connection guarded by a lock (writes are small and rare next to replays)."""

    def __init__(self, path: str | Path | None = None) -> None:
        path = Path(path) if path is not None else default_home() / "results.sqlite3"
        self.path = path
        self._lock = threading.Lock()
        with unusable_database("result store", path):
            path.parent.mkdir(parents=True, exist_ok=True)
            # workers of one pipeline group may share the file: wait for another's write, don't fail
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=_WAIT)
            _use_wal(self._db)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS results (event_id TEXT PRIMARY KEY, source TEXT, verdict TEXT,"
            " recorded_at REAL, record BLOB)")
        self._db.execute("CREATE TABLE IF NOT EXISTS qa_reports (trace_id TEXT PRIMARY KEY, recorded_at REAL, report BLOB)")
        self._db.execute("CREATE TABLE IF NOT EXISTS claims (event_id TEXT PRIMARY KEY, claimed_at REAL)")
        if self._db.execute("SELECT 1 FROM sqlite_master WHERE name = 'pipeline_claims'").fetchone():
            # stores from before `serve` claimed too hold the pipeline's claims in their own table
            self._db.execute("INSERT OR IGNORE INTO claims SELECT event_id, claimed_at FROM pipeline_claims")
            self._db.execute("DROP TABLE pipeline_claims")
        self._db.execute("CREATE TABLE IF NOT EXISTS budget (id INTEGER PRIMARY KEY AUTOINCREMENT, issue TEXT,"
                         " spent_at REAL)")  # AUTOINCREMENT: a refund token is never reused
        self._db.execute("CREATE INDEX IF NOT EXISTS budget_by_issue ON budget (issue, spent_at)")

    def seen(self, event_id: str) -> bool:
        with self._lock:
            return self._db.execute("SELECT 1 FROM results WHERE event_id = ?", (event_id,)).fetchone() is not None

    def record(self, event_id: str, record: dict[str, Any], *, source: str = "") -> bool:
        """Store a sanitized record; False when the event id was already stored (a duplicate)."""
        with self._lock:
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO results (event_id, source, verdict, recorded_at, record) VALUES (?, ?, ?, ?, ?)",
                (event_id, source, record.get("verdict"), time.time(), orjson.dumps(record)))
            return cursor.rowcount == 1

    def claim(self, event_id: str) -> bool:
        """True when this call claimed the event for a replay; False when an earlier attempt had."""
        with self._lock:
            cursor = self._db.execute("INSERT OR IGNORE INTO claims VALUES (?, ?)", (event_id, time.time()))
            return cursor.rowcount == 1

    def release(self, event_id: str) -> None:
        """Forget a claim whose replay never reached QA, so a redelivery replays it."""
        with self._lock:
            self._db.execute("DELETE FROM claims WHERE event_id = ?", (event_id,))

    def spend_budget(self, issue: str, limit: int, window: float) -> int | None:
        """Take one of ``limit`` replays of ``issue`` in the ``window`` seconds up to now: a token
        for :meth:`refund_budget`, or None when they are all taken. Atomic across processes."""
        now = time.time()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")  # one worker at a time counts and takes
            try:
                self._db.execute("DELETE FROM budget WHERE issue = ? AND spent_at <= ?", (issue, now - window))
                spent = self._db.execute("SELECT COUNT(*) FROM budget WHERE issue = ?", (issue,)).fetchone()[0]
                token = (self._db.execute("INSERT INTO budget (issue, spent_at) VALUES (?, ?)", (issue, now)).lastrowid
                         if spent < limit else None)
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:  # SQLite has rolled back by itself on a full disk
                    self._db.execute("ROLLBACK")
                raise
            return token

    def refund_budget(self, token: int) -> None:
        """Give back a replay that never reached QA."""
        with self._lock:
            self._db.execute("DELETE FROM budget WHERE id = ?", (token,))

    def get(self, event_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute("SELECT record FROM results WHERE event_id = ?", (event_id,)).fetchone()
        return orjson.loads(row[0]) if row else None

    def recent(self, limit: int = 100) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute("SELECT record FROM results ORDER BY recorded_at DESC LIMIT ?", (limit,)).fetchall()
        return [orjson.loads(r[0]) for r in rows]

    def record_qa_report(self, trace_id: str, report: dict[str, Any]) -> None:
        """QA's own error, reduced to its signature, under the trace id the replay sent."""
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO qa_reports (trace_id, recorded_at, report) VALUES (?, ?, ?)",
                             (trace_id, time.time(), orjson.dumps(report)))

    def qa_report(self, trace_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute("SELECT report FROM qa_reports WHERE trace_id = ?", (trace_id,)).fetchone()
        return orjson.loads(row[0]) if row else None

    def count(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM results").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _use_wal(db: sqlite3.Connection) -> None:
    """Switch ``db`` to write-ahead logging. SQLite answers "database is locked" at once, without
    its busy timeout, while another connection is creating the same fresh file: workers of one
    group starting together met that, and all but one stopped. So the switch is retried, as
    long as the busy timeout would have waited."""
    deadline = time.monotonic() + _WAIT
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)
