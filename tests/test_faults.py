"""`replay run` under QA faults and SIGTERM: one line naming the fault, nothing lost, nothing sent twice.

A raw-socket QA server plays each fault (slow, resetting, closing, garbage, truncated, invalid
chunked, huge, holding) and counts the requests it received, so "never sent twice" is measured
at QA. tests/test_faults_kafka.py reuses it for `replay pipeline`.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import shutil
import signal
import socket
import socketserver
import sqlite3
import struct
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from replay.cli import main
from tests.production import capture_bug_events

ROOT = Path(__file__).resolve().parent.parent
ANSWER = b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nValueError"
FAULTS = {  # what QA does after reading the request -> the words the verdict must name it with
    "slow": "did not answer within 0.5s",
    "reset": "QA reset the connection",
    "close": "QA closed the connection without answering",
    "garbage": "QA's response is not valid HTTP",
    "truncated": "QA's response was cut short",
    "bad_chunked": "QA's response is not valid HTTP",
}


class FaultServer(socketserver.ThreadingTCPServer):
    """A QA that reads each request, counts it by ``METHOD path?query``, then plays ``mode``.

    Modes: the keys of FAULTS, ``huge`` (a 500 whose body never ends), ``hold`` (answer 500 once
    :attr:`release` is set) and ``ok`` (at once). The manifest is always a quick 404.
    """

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, mode: str) -> None:
        super().__init__(("127.0.0.1", 0), _FaultHandler)
        self.mode = mode
        self.requests: Counter[str] = Counter()
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.url = f"http://127.0.0.1:{self.server_address[1]}"

    def replays(self, probe: str = "") -> int:
        """Requests received other than the manifest, optionally only those carrying ``probe``."""
        return sum(n for line, n in self.requests.items() if "/__manifest" not in line and probe in line)


class _FaultHandler(socketserver.StreamRequestHandler):
    server: FaultServer

    def handle(self) -> None:
        line = self._read_request()
        if line is None:
            return
        if "/__manifest" in line:
            self.wfile.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        self.server.requests[line] += 1
        self.server.arrived.set()
        getattr(self, f"_{self.server.mode}")()

    def _read_request(self) -> str | None:
        head = self.rfile.readline().decode("latin-1").split()
        if len(head) < 2:
            return None
        length = 0
        while (header := self.rfile.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = header.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        self.rfile.read(length)
        return f"{head[0]} {head[1]}"

    def _ok(self) -> None:
        self.wfile.write(ANSWER)

    def _hold(self) -> None:
        self.server.release.wait(30)
        self.wfile.write(ANSWER)

    def _slow(self) -> None:
        self.server.release.wait(5)
        self.wfile.write(ANSWER)

    def _reset(self) -> None:
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()  # now, before socketserver's shutdown would send a FIN first

    def _close(self) -> None:
        pass

    def _garbage(self) -> None:
        self.wfile.write(b"\x00\x17\x03\x01 SSH-2.0-not-http \xff\xfe\r\n\r\n")

    def _truncated(self) -> None:
        self.wfile.write(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 1000\r\n\r\nValueError")

    def _bad_chunked(self) -> None:
        self.wfile.write(b"HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n\r\n"
                         b"ZZ\r\nValueError\r\n")

    def _huge(self) -> None:
        self.wfile.write(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 100000000000\r\n\r\nValueError")
        chunk = b"x" * 65536
        try:
            for _ in range(160_000):  # 10 GB: a client that reads it all never finishes
                self.wfile.write(chunk)
        except OSError:
            pass  # the client hung up after reading enough: what it should do


@pytest.fixture
def fault_server() -> Iterator:
    """``server = fault_server("reset")``: a FaultServer running in a thread, stopped afterwards."""
    servers: list[FaultServer] = []

    def start(mode: str) -> FaultServer:
        server = FaultServer(mode)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.release.set()
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def post_and_get() -> list[dict]:
    """A production POST (leap_birthday) and GET (long_query) event, each with its own probe."""
    events = capture_bug_events("leap_birthday", "long_query")
    return [with_probe(events["leap_birthday"], "post"), with_probe(events["long_query"], "get")]


def with_probe(event: dict, probe: str) -> dict:
    """A copy with its own event id and ``probe=<probe>`` in the query string (counted at QA)."""
    event = copy.deepcopy(event)
    event["event_id"] = uuid.uuid4().hex
    query = event["request"].get("query_string") or ""
    query = "&".join(f"{k}={v}" for k, v in query) if isinstance(query, list) else query
    event["request"]["query_string"] = f"probe={probe}" + (f"&{query}" if query else "")
    return event


@pytest.fixture
def refused_url() -> Iterator[str]:
    """A port that is bound but not listening: connecting is refused, deterministically."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def write_inputs(tmp_path: Path, url: str, events: list[dict], **settings: object) -> Path:
    """replay.toml with target ``qa`` (0.5 s timeout, 2 retries, 2 users side by side) and events.jsonl."""
    options = {"timeout": 0.5, "retries": 2, "concurrency": 2} | settings
    lines = [f'base_url = "{url}"'] + [f"{k} = {json.dumps(v)}" for k, v in options.items()]
    (tmp_path / "replay.toml").write_text("[targets.qa]\n" + "\n".join(lines) + "\n")
    events_path = tmp_path / "events.jsonl"
    events_path.write_text("".join(json.dumps(e) + "\n" for e in events))
    return events_path


def run_cli(tmp_path: Path, events_path: Path):
    return CliRunner().invoke(main, ["run", str(events_path), "--target", "qa", "--config",
                                     str(tmp_path / "replay.toml"), "--json"], env={"REPLAY_SECRET_KEY": "k"})


def assert_one_clear_line_per_event(result, expected: str, count: int) -> list[dict]:
    """Exit 1, one ``replay: <ref>: inconclusive: ...`` line per event naming the fault, no traceback."""
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = [line for line in result.stderr.splitlines() if "warning" not in line]
    assert len(lines) == count and all(line.startswith("replay: ") and expected in line for line in lines), lines
    assert "Traceback" not in result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["verdict"] for r in rows] == ["inconclusive"] * count
    return rows


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_faulty_qa_gives_inconclusive_naming_the_fault_and_retries_only_idempotent_methods(
        fault: str, fault_server, post_and_get, tmp_path: Path) -> None:
    server = fault_server(fault)
    result = run_cli(tmp_path, write_inputs(tmp_path, server.url, post_and_get))

    rows = assert_one_clear_line_per_event(result, FAULTS[fault], 2)
    assert server.replays("probe=post") == 1, "a POST must never be sent twice"
    assert server.replays("probe=get") == 3, "a GET is retried (retries = 2)"
    assert rows[0]["reason"].endswith(FAULTS[fault]), "the POST's reason names the fault, with no retries"
    assert rows[1]["reason"].endswith("(after 3 tries)")


def test_a_qa_that_is_down_gives_inconclusive_connection_refused(refused_url: str, post_and_get,
                                                                  tmp_path: Path) -> None:
    result = run_cli(tmp_path, write_inputs(tmp_path, refused_url, post_and_get))
    rows = assert_one_clear_line_per_event(result, "connection refused", 2)
    assert rows[0]["reason"] == "connection refused or host unreachable"
    assert rows[1]["reason"] == "connection refused or host unreachable (after 3 tries)"


def test_a_huge_answer_is_read_only_as_far_as_the_verdict_needs(fault_server, post_and_get, tmp_path: Path) -> None:
    server = fault_server("huge")
    started = time.monotonic()
    result = run_cli(tmp_path, write_inputs(tmp_path, server.url, post_and_get[:1], timeout=30))

    assert time.monotonic() - started < 10, "the body must not be read to its end"
    assert result.exit_code == 0, result.output
    (row,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert row["verdict"] == "reproduced" and row["status"] == 500
    assert server.replays() == 1


def test_sigterm_during_a_replay_finishes_it_reports_the_rest_unsent_and_exits_1(
        fault_server, post_and_get, tmp_path: Path) -> None:
    server = fault_server("hold")
    events = [with_probe(post_and_get[0], f"p{i}") for i in range(3)]
    events_path = write_inputs(tmp_path, server.url, events, timeout=10, concurrency=1)
    env = {**os.environ, "REPLAY_SECRET_KEY": "k", "REPLAY_HOME": str(tmp_path / "home")}
    proc = subprocess.Popen([sys.executable, "-m", "replay.cli", "run", str(events_path), "--target", "qa",
                             "--config", str(tmp_path / "replay.toml"), "--json"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert server.arrived.wait(30), "the first replay never reached QA"
    proc.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    server.release.set()
    stdout, stderr = proc.communicate(timeout=20)

    assert proc.returncode == 1, stderr
    assert "Traceback" not in stderr
    rows = [json.loads(line) for line in stdout.splitlines()]
    assert [r["verdict"] for r in rows] == ["reproduced", "inconclusive", "inconclusive"]
    assert all("interrupted" in r["reason"] for r in rows[1:])
    assert server.replays() == 1 and server.replays("probe=p0") == 1
    with contextlib.closing(sqlite3.connect(tmp_path / "home" / "audit.sqlite3")) as audit:
        replays = audit.execute("SELECT event_id FROM audit WHERE action = 'replay'").fetchall()
    assert replays == [(events[0]["event_id"],)], "the finished replay is in the audit trail, the others are not"


# -- a full disk ----------------------------------------------------------------------------------

@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[tuple[Path, tuple[str, ...], Path]]:
    """A real 2 MB tmpfs at ``mount`` in a user+mount namespace (no root needed), held by a sleeping
    process: (mount point as the namespace sees it, command prefix to run there, path to it from here)."""
    mount = tmp_path / "small"
    mount.mkdir()
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-Urm", "true"]).returncode != 0:
        pytest.skip("user namespaces are not available: no tmpfs of a fixed size can be mounted")
    holder = subprocess.Popen(["unshare", "-Urm", "sh", "-c", 'mount -t tmpfs -o size=2m tmpfs "$1" && echo up && '
                               "exec sleep 600", "sh", str(mount)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "up"
    try:
        yield mount, ("nsenter", "-t", str(holder.pid), "-U", "-m", "--preserve-credentials"), \
            Path(f"/proc/{holder.pid}/root{mount}")
    finally:
        holder.kill()
        holder.wait()


def fill(directory: Path) -> Path:
    """Write zeros until the file system is full (ENOSPC); the filler file is returned."""
    filler = directory / "filler"
    with filler.open("wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError as exc:
            assert exc.errno == 28, exc  # ENOSPC: a real full disk
    return filler


def copy_out(directory: Path, to: Path) -> Path:
    """The store's files copied out of the namespace: SQLite resolves /proc/PID/root to our own root."""
    to.mkdir()
    for path in directory.glob("results.sqlite3*"):
        shutil.copy(path, to / path.name)
    return to / "results.sqlite3"


def test_a_full_disk_under_serve_pauses_the_worker_refuses_new_events_and_loses_nothing(
        small_disk, fault_server, tmp_path: Path) -> None:
    """`replay serve` with its store and audit trail on a 2 MB tmpfs. The disk fills while QA holds
    the first replay: its verdict waits in memory until the disk has room; an event arriving
    meanwhile is answered 503 (Retry-After) and nothing of it is queued. Once there is room, the
    verdict is stored, the resent event is accepted, and QA received each event exactly once."""
    import httpx

    from tests.test_pipeline import make_events, results, start_worker, wait_for
    from tests.test_serve import AUTH, KEY, envelope

    def health() -> dict:
        try:
            return httpx.get(url + "/health", timeout=5).json()
        except httpx.TransportError:
            return {}

    def post(event: dict) -> httpx.Response:
        return httpx.post(url + "/api/1/envelope/", content=envelope(event), headers=AUTH, timeout=10)

    mount, inside, seen_from_here = small_disk
    qa = fault_server("hold")
    events = make_events(capture_bug_events("leap_birthday")["leap_birthday"], 2)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url, err = f"http://127.0.0.1:{port}", tmp_path / "serve.err"
    server = start_worker(["--port", str(port), "--target", qa.url, "--store", str(mount / "results.sqlite3"),
                           "--drain-timeout", "0"], err, prefix=inside, command="serve",
                          REPLAY_DSN_KEYS=KEY, REPLAY_AUDIT=str(mount / "audit.sqlite3"))
    try:
        wait_for(health, 60, "serve to answer")
        assert post(events[0]).status_code == 200
        assert qa.arrived.wait(60), "the first replay never reached QA"
        filler = fill(seen_from_here)
        qa.release.set()
        wait_for(lambda: health().get("counters", {}).get("store_write_failures"), 30, "the worker to meet the full disk")

        second = post(events[1])
        assert second.status_code == 503, second.text
        assert second.headers["Retry-After"] and "cannot be written" in second.json()["detail"]
        assert health()["queue_depth"] == 0 and qa.replays("probe=ev00001") == 0, "nothing of it was queued"

        filler.unlink()
        wait_for(lambda: health().get("stored") == 1, 60, "the waiting verdict to be stored")
        assert post(events[1]).status_code == 200  # sent again after Retry-After, as sentry-sdk does
        wait_for(lambda: health().get("stored") == 2, 60, "the resent event to be stored")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
    log = err.read_text()
    assert "Traceback" not in log
    assert "the result store or audit trail cannot be written (database or disk is full)" in log
    stored = results(copy_out(seen_from_here, tmp_path / "copy"))
    assert set(stored) == {e["event_id"] for e in events}
    assert {r["verdict"] for r in stored.values()} == {"reproduced"}
    assert [qa.replays(f"probe=ev{i:05d}") for i in range(2)] == [1, 1], "each event reached QA exactly once"
