"""The `replay` CLI end to end: real files, a real QA shop, real sentry-sdk events."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.production import capture_bug_events

REPLAY = [sys.executable, "-m", "replay.cli"]
ENV_KEY = {"REPLAY_SECRET_KEY": "test-key"}


def replay(*args: str, stdin: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([*REPLAY, *args], input=stdin, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **ENV_KEY})


def write_jsonl(path: Path, docs: list) -> Path:
    path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    return path


def personal_strings(event: dict) -> list[str]:
    """The personal values a bug's request carried (name, email, phone, address, card number).

    The card expiry is kept on purpose: it is not identifying and bugs depend on it."""
    data = (event.get("request") or {}).get("data") or {}
    found = []
    for section in ("customer", "card"):
        found += [v for k, v in (data.get(section) or {}).items() if isinstance(v, str) and len(v) > 3 and k != "expiry"]
    found += [data[k] for k in ("name", "email", "phone") if isinstance(data.get(k), str)]
    return found


@pytest.fixture(scope="module")
def bug_events() -> dict[str, dict]:
    return capture_bug_events("non_ascii_name", "plus_email", "amex_card", "missing_items", "leap_birthday", "long_name")


def test_sanitize_json_file_gives_one_json_object(fixtures_dir: Path) -> None:
    result = replay("sanitize", str(fixtures_dir / "events" / "aspnetcore.json"))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    original = json.loads((fixtures_dir / "events" / "aspnetcore.json").read_text())
    assert out.keys() == original.keys()
    assert "CfDJ8JgfBVYV2S5Flq6" not in result.stdout


def test_sanitize_jsonl_keeps_order_and_count(tmp_path: Path, bug_events: dict) -> None:
    events = list(bug_events.values())
    result = replay("sanitize", str(write_jsonl(tmp_path / "in.jsonl", events)))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [e["event_id"] for e in lines] == [e["event_id"] for e in events]
    for value in (v for e in events for v in personal_strings(e)):
        assert value not in result.stdout


def test_sanitize_reads_stdin_and_writes_output_file(tmp_path: Path, bug_events: dict) -> None:
    out = tmp_path / "clean.jsonl"
    event = bug_events["plus_email"]
    result = replay("sanitize", "-", "-o", str(out), "--report", str(tmp_path / "report.json"),
                    stdin=json.dumps(event) + "\n")
    assert result.returncode == 0, result.stderr
    assert json.loads(out.read_text())["event_id"] == event["event_id"]
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["changes_by_entity"]["EMAIL_ADDRESS"] >= 1
    for value in personal_strings(event):
        assert value not in (tmp_path / "report.json").read_text()


def test_sigterm_stops_sanitize_with_its_audit_records_written_and_the_old_output_kept(
        tmp_path: Path, bug_events: dict) -> None:
    """A terminated bulk run (a deploy, ``timeout``) writes the audit records it holds for a batch,
    as Ctrl-C does, leaves a file output as it was, says so, and still ends by the signal: it
    stops by SIGTERM, not by being killed."""
    import signal
    import sqlite3

    audit, out = tmp_path / "audit.sqlite3", tmp_path / "clean.jsonl"
    out.write_text("yesterday's\n")
    run = subprocess.Popen([*REPLAY, "sanitize", "-", "-o", str(out)], stdin=subprocess.PIPE, stderr=subprocess.PIPE,
                           env={**os.environ, **ENV_KEY, "REPLAY_AUDIT": str(audit)})
    try:
        events = [bug_events["plus_email"], bug_events["amex_card"]]
        run.stdin.write(b"".join(json.dumps(event).encode() + b"\n" for event in events) + b"not json\n")
        run.stdin.flush()  # and left open: the command waits for more, its first two events sanitized
        assert run.stderr.readline().startswith(b"replay: stdin:3: not valid JSON")
        run.send_signal(signal.SIGTERM)
        assert run.wait(timeout=60) == -signal.SIGTERM
        said = run.stderr.read().decode()
    finally:
        run.kill()
        run.wait()
    assert "interrupted after 3 items" in said and "left as it was" in said and "Traceback" not in said
    with sqlite3.connect(audit) as db:
        recorded = [row[0] for row in db.execute("SELECT event_id FROM audit WHERE action = 'sanitize' ORDER BY seq")]
    assert recorded == [event["event_id"].replace("-", "") for event in events]
    assert out.read_text() == "yesterday's\n"


def test_a_sanitize_worker_killed_outright_ends_the_run_with_an_error(tmp_path: Path) -> None:
    """The pool ends its other workers with SIGTERM when one dies (the OOM killer): a worker
    must die of it, whatever handler the command had when the pool was forked, or the run hangs."""
    import signal
    import time

    from bench import generate_corpus

    corpus, _ = generate_corpus(tmp_path, 3000, 5)
    run = subprocess.Popen([*REPLAY, "sanitize", str(corpus), "-o", str(tmp_path / "out.jsonl"), "--workers", "2"],
                           stderr=subprocess.PIPE, env={**os.environ, **ENV_KEY, "REPLAY_AUDIT": str(tmp_path / "a.db")})
    try:
        workers: list[int] = []
        deadline = time.monotonic() + 60
        while len(workers) < 2 and time.monotonic() < deadline and run.poll() is None:
            children = Path(f"/proc/{run.pid}/task/{run.pid}/children")
            workers = [int(pid) for pid in children.read_text().split()] if children.exists() else []
            time.sleep(0.05)
        assert len(workers) == 2, "two workers started"
        os.kill(workers[0], signal.SIGKILL)
        assert run.wait(timeout=60) == 2
        said = run.stderr.read().decode()
    finally:
        run.kill()
        run.wait()
    assert "a sanitizer worker process died" in said and "Traceback" not in said


def test_same_key_gives_same_fakes_across_runs(tmp_path: Path, bug_events: dict) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [bug_events["non_ascii_name"]])
    assert replay("sanitize", str(path)).stdout == replay("sanitize", str(path)).stdout


def test_broken_jsonl_line_is_reported_and_the_rest_processed(tmp_path: Path, bug_events: dict) -> None:
    event = bug_events["amex_card"]
    path = tmp_path / "mixed.jsonl"
    path.write_text(json.dumps(event) + "\n{\"card\": \"4111 1111 1111 1111\", broken\n" + json.dumps(event) + "\n")
    result = replay("sanitize", str(path))
    assert result.returncode == 1
    assert len(result.stdout.splitlines()) == 2
    assert "mixed.jsonl:2: not valid JSON" in result.stderr
    assert "Traceback" not in result.stderr and "4111" not in result.stderr


def test_an_array_of_events_on_one_line_is_read_as_events(tmp_path: Path, bug_events: dict) -> None:
    """What ``curl`` saves from Sentry's events API, ``jq -c`` or ``json.dumps(list)`` write."""
    events = [bug_events["amex_card"]] * 400  # together over the limit of one event (1 MiB)
    path = tmp_path / "events.json"
    path.write_text(json.dumps(events) + "\n")
    assert path.stat().st_size > 1024 * 1024
    result = replay("sanitize", str(path))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert isinstance(out, list) and len(out) == 400 and out[0] == out[-1] != events[0]


def test_a_broken_first_line_on_stdin_loses_only_that_line(bug_events: dict) -> None:
    good = json.dumps(bug_events["amex_card"])
    result = replay("sanitize", "-", stdin=f'{{"card": "4111 1111 1111 1111", broken\n{good}\n\n{good}\n')
    assert result.returncode == 1
    assert len(result.stdout.splitlines()) == 2
    assert "stdin:1: not valid JSON" in result.stderr and "4111" not in result.stderr


def test_file_that_is_not_json_gets_one_clear_line(tmp_path: Path) -> None:
    path = tmp_path / "notes.json"
    path.write_text("customer Jane Doe called about her order\n  and more text\n")
    result = replay("sanitize", str(path))
    assert result.returncode == 1
    assert "not valid JSON" in result.stderr and "Jane" not in result.stderr
    assert "Traceback" not in result.stderr


def test_an_input_without_events_is_a_usage_error(tmp_path: Path) -> None:
    for name, text in (("empty.json", ""), ("blank.jsonl", "\n\n"), ("array.json", "[]"), ("array2.json", "[\n]\n")):
        (tmp_path / name).write_text(text)
        result = replay("sanitize", str(tmp_path / name))
        assert result.returncode == 2 and not result.stdout, name
        assert ("empty input" in result.stderr or "an empty JSON array" in result.stderr) and "Traceback" not in result.stderr


def test_missing_input_file_is_a_usage_error() -> None:
    result = replay("sanitize", "/nonexistent/events.json")
    assert result.returncode == 2
    assert "no such file" in result.stderr and "Traceback" not in result.stderr
    folder = replay("sanitize", str(Path(__file__).parent))
    assert folder.returncode == 2 and "is a folder, not a file of events" in folder.stderr


def test_a_pipe_is_read_as_input(bug_events: dict) -> None:
    read, write = os.pipe()  # what a shell's <(...) hands over: /dev/fd/N, no regular file
    with os.fdopen(write, "w") as out:
        out.write(json.dumps(bug_events["missing_items"]) + "\n")
    result = subprocess.run([*REPLAY, "sanitize", f"/dev/fd/{read}"], capture_output=True, text=True, timeout=120,
                            pass_fds=(read,), env={**os.environ, "REPLAY_SECRET_KEY": "k"})
    os.close(read)
    assert result.returncode == 0 and json.loads(result.stdout)["event_id"] == bug_events["missing_items"]["event_id"]


def test_an_output_that_cannot_be_written_is_refused_before_any_work(tmp_path: Path, bug_events: dict) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [bug_events["amex_card"]])
    out = tmp_path / "out.jsonl"
    for args in (["-o", str(tmp_path / "missing" / "out.jsonl")], ["-o", str(out), "--report", str(tmp_path / "missing" / "r.json")]):
        result = replay("sanitize", str(path), *args)
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert result.stderr.startswith("replay: cannot write") and "no folder" in result.stderr
        assert not out.exists(), "refused before the output was written"
    from replay.audit import AuditTrail

    AuditTrail(tmp_path / "a.sqlite3").close()
    for args in (["policy", "report", "sanitizers/default_policy.yaml", "--events", str(path), "--html",
                  str(tmp_path / "missing" / "r.html")], ["audit", "--audit", str(tmp_path / "a.sqlite3"), "export",
                                                          str(tmp_path / "missing" / "a.jsonl")]):
        result = replay(*args)
        assert result.returncode == 2 and result.stderr.startswith("replay: cannot write"), result.stderr


def test_dash_is_stdout_and_a_fifo_stays_a_fifo(tmp_path: Path, bug_events: dict) -> None:
    import threading

    path = write_jsonl(tmp_path / "in.jsonl", [bug_events["amex_card"]])
    result = replay("sanitize", str(path), "-o", "-")
    assert result.returncode == 0 and json.loads(result.stdout)["event_id"] == bug_events["amex_card"]["event_id"]
    assert not (Path.cwd() / "-").exists()
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    result = replay("sanitize", str(path), "-o", str(fifo))
    reader.join(timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(received[0])["event_id"] == bug_events["amex_card"]["event_id"]
    assert fifo.is_fifo()


def test_a_policy_version_that_is_no_number_is_a_policy_error(tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text("version: abc\nrules:\n  - id: x\n    entity: EMAIL_ADDRESS\n    keys: [email]\n")
    result = replay("sanitize", "--policy", str(policy), "-", stdin="{}")
    assert result.returncode == 2 and "`version` must be a whole number" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_reports_reproduced_exactly_for_the_events_qa_still_fails(tmp_path: Path, shop, bug_events: dict) -> None:
    qa_url, qa_log = shop("--fixed", "amex_card", "--fixed", "plus_email")
    names = list(bug_events)
    path = write_jsonl(tmp_path / "events.jsonl", [bug_events[n] for n in names])
    result = replay("run", str(path), "--target", qa_url, "--json")
    assert result.returncode == 0, result.stderr
    verdicts = {bug_events[n]["event_id"]: n for n in names}
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    by_bug = {verdicts[row["event_id"]]: row for row in rows}
    assert {n: r["verdict"] for n, r in by_bug.items()} == {
        "non_ascii_name": "reproduced", "plus_email": "not_reproduced", "amex_card": "not_reproduced",
        "missing_items": "reproduced", "leap_birthday": "reproduced",
        "long_name": "reproduced"}  # the fake name has the original's length, over the CRM's 24
    for row in rows:
        assert set(row) >= {"event_id", "verdict", "status", "request", "reason"}
        assert row["request"]["method"] in ("GET", "POST")
    received = qa_log.read_text(encoding="utf-8")
    paths = [json.loads(line)["path"] for line in received.splitlines()]
    assert paths.count("/__manifest") == 1, "parity reads QA's manifest once per run"
    assert len(paths) - 1 == len(names)
    for value in (v for e in bug_events.values() for v in personal_strings(e)):
        assert value not in received and json.dumps(value)[1:-1] not in received


def test_run_human_summary_names_each_verdict(tmp_path: Path, shop, bug_events: dict) -> None:
    qa_url, _ = shop()
    path = write_jsonl(tmp_path / "one.jsonl", [bug_events["leap_birthday"]])
    result = replay("run", str(path), "--target", qa_url, "--curl")
    assert result.returncode == 0, result.stderr
    assert "reproduced" in result.stdout and "curl -X POST" in result.stdout


def test_run_against_unreachable_target_is_inconclusive(tmp_path: Path, bug_events: dict) -> None:
    path = write_jsonl(tmp_path / "one.jsonl", [bug_events["leap_birthday"]])
    result = replay("run", str(path), "--target", "http://127.0.0.1:9", "--json")
    assert result.returncode == 1
    assert json.loads(result.stdout)["verdict"] == "inconclusive"
    assert "connection refused" in result.stderr and "Traceback" not in result.stderr


def test_event_without_request_and_unknown_body_type_are_reported_per_event(tmp_path: Path, shop, bug_events: dict) -> None:
    qa_url, _ = shop()
    no_request = {"event_id": "a" * 32, "exception": {"values": [{"type": "KeyError", "value": "jane@example.com"}]}}
    odd_body = {"event_id": "b" * 32, "request": {"url": "http://shop/api/x", "method": "POST",
                "headers": [["Content-Type", "application/x-protobuf"]], "data": {"email": "jane@example.com"}}}
    path = write_jsonl(tmp_path / "mixed.jsonl", [no_request, odd_body, bug_events["leap_birthday"]])
    result = replay("run", str(path), "--target", qa_url, "--json")
    assert result.returncode == 1
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["verdict"] for r in rows] == ["inconclusive", "inconclusive", "reproduced"]
    assert "no request" in result.stderr and "application/x-protobuf" in result.stderr
    assert "jane@example.com" not in result.stderr + result.stdout


def test_bad_target_url_is_a_usage_error(tmp_path: Path, bug_events: dict) -> None:
    path = write_jsonl(tmp_path / "one.jsonl", [bug_events["leap_birthday"]])
    result = replay("run", str(path), "--target", "ftp://qa-server")
    assert result.returncode == 2 and "expected an http(s) URL" in result.stderr
    result = replay("run", str(path), "--target", "qa-server")
    assert result.returncode == 2 and "no config file" in result.stderr


def test_help_has_examples_on_every_command() -> None:
    for command in ("sanitize", "run", "demo"):
        result = replay(command, "--help")
        assert result.returncode == 0 and "Example" in result.stdout or command == "demo"


def test_demo_reproduces_and_qa_sees_no_personal_value() -> None:
    result = replay("demo", timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "verdict: reproduced" in result.stdout
    assert "none of the 7 original personal values" in result.stdout
    for value in ("Jörg Müller", "joerg.mueller", "90182736", "Hauptstraße 5", "4539 1488 0343 6467", "84.114.89.168"):
        assert value not in result.stdout + result.stderr


def test_save_writes_a_sanitized_incident_bundle(tmp_path: Path, shop, bug_events: dict) -> None:
    qa_url, _ = shop()
    event = bug_events["non_ascii_name"]
    path = write_jsonl(tmp_path / "one.jsonl", [event])
    result = replay("run", str(path), "--target", qa_url, "--save", str(tmp_path / "bundles"))
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "bundles" / event["event_id"]
    assert sorted(p.name for p in folder.iterdir()) == ["curl.sh", "event.json", "request.json", "response.txt",
                                                       "verdict.json"]
    assert json.loads((folder / "verdict.json").read_text())["verdict"] == "reproduced"
    written = "".join(p.read_text(encoding="utf-8") for p in folder.iterdir())
    for value in personal_strings(event):
        assert value not in written and json.dumps(value)[1:-1] not in written


def test_bundles_never_overwrite_each_other_nor_leave_the_save_folder(tmp_path: Path, shop, bug_events: dict) -> None:
    qa_url, _ = shop()
    event = bug_events["non_ascii_name"]
    twins = [event, event, {**event, "event_id": ".."}, {**event, "event_id": "jo.example@example.org"}]
    work = tmp_path / "work"
    work.mkdir()
    path = write_jsonl(work / "events.jsonl", twins)
    result = replay("run", str(path), "--target", qa_url, "--save", str(work / "bundles"))
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in (work / "bundles").iterdir())
    assert names == sorted([event["event_id"], f"{event['event_id']}-2", "event-3", "event-4"])
    assert sorted(p.name for p in work.iterdir()) == ["bundles", "events.jsonl"]
    assert "jo.example" not in result.stdout + result.stderr


def test_every_replay_is_audited_in_a_verifiable_trail(tmp_path: Path, shop, bug_events: dict) -> None:
    qa_url, _ = shop()
    event = bug_events["missing_items"]
    anonymous = {k: v for k, v in event.items() if k != "event_id"}  # SDKs of some platforms send none
    path = write_jsonl(tmp_path / "two.jsonl", [event, anonymous])
    audit = str(tmp_path / "audit.sqlite3")
    env = {**os.environ, "REPLAY_SECRET_KEY": "k", "REPLAY_AUDIT": audit}
    subprocess.run([*REPLAY, "run", str(path), "--target", qa_url], env=env, capture_output=True, timeout=120, check=True)
    shown = subprocess.run([*REPLAY, "audit", "show", "--json"], env=env, capture_output=True, text=True, timeout=60)
    records = [json.loads(line) for line in shown.stdout.splitlines()] if not shown.stdout.startswith("[") \
        else json.loads(shown.stdout)
    replays = [r for r in records if r["action"] == "replay"]
    assert [r["event_id"] for r in replays] == [event["event_id"], None], "every request sent is audited"
    replay_record = replays[0]
    assert replay_record["target"] == qa_url
    assert replay_record["details"]["verdict"] == "reproduced" and len(replay_record["payload_sha256"]) == 64
    verify = subprocess.run([*REPLAY, "audit", "verify"], env=env, capture_output=True, text=True, timeout=60)
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_workers_give_the_same_output_in_the_same_order(tmp_path: Path) -> None:
    from bench import corpus

    events = [event for event, _ in corpus.generate(150, seed=11)]
    lines = [json.dumps(e) for e in events]
    lines.insert(70, '{"email": "broken@example.com", ')  # unreadable, in the middle of a chunk
    lines.insert(100, '["jane.doe@example.com"]')  # JSON, but no event
    lines.insert(120, '{"a": ' * 120 + '"jane.doe@example.com"' + "}" * 120)  # over --max-depth
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    single = replay("sanitize", str(path), "-o", str(tmp_path / "one.jsonl"), "--workers", "1",
                    "--report", str(tmp_path / "one.json"))
    several = replay("sanitize", str(path), "-o", str(tmp_path / "two.jsonl"), "--workers", "2",
                     "--report", str(tmp_path / "two.json"))
    assert single.returncode == several.returncode == 1
    assert "many.jsonl:71: not valid JSON" in several.stderr and "broken@" not in several.stderr
    assert "many.jsonl:101: expected a JSON object (an event), got an array" in several.stderr
    assert "many.jsonl:121: event is nested deeper than the limit of 100 levels" in several.stderr
    assert single.stderr == several.stderr and "jane.doe" not in several.stderr
    reports = [json.loads((tmp_path / name).read_text()) for name in ("one.json", "two.json")]
    assert reports[0] == reports[1] and reports[1]["rejected_by_limit"] == {"max_depth": 1}
    one, two = (tmp_path / "one.jsonl").read_bytes(), (tmp_path / "two.jsonl").read_bytes()
    assert one == two and len(two.splitlines()) == 150
    ids = [json.loads(line)["event_id"] for line in two.splitlines()]
    assert ids == [e["event_id"] for e in events]


def test_a_settled_sanitizer_is_warm_and_start_up_is_out_of_garbage_collection() -> None:
    """What replay sanitize, its workers and replay pipeline do before their first event (in a
    process of its own: freezing is for the whole process)."""
    code = ("import gc; from sanitizers import Sanitizer; from sanitizers.parallel import settle; "
            "s = Sanitizer(key=b'k'); before = gc.get_freeze_count(); settle(s); "
            "frozen = gc.get_freeze_count() > 10_000 and not gc.get_objects(); "  # every tracked object
            "print(s._ready, before, frozen, s.sanitize({'message': 'mail jo@example.org'}).event)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True).stdout
    ready, before, frozen, event = out.split(" ", 3)
    assert (ready, before, frozen) == ("True", "0", "True") and "jo@example.org" not in event


def test_a_line_that_is_no_event_is_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text('{"message": "ok"}\nnull\n3\n"text"\n[1]\n')
    result = replay("sanitize", str(path))
    assert result.returncode == 1 and result.stdout.splitlines() == ['{"message":"ok"}']
    assert [line.rsplit(": ", 1)[1] for line in result.stderr.splitlines()] == [
        f"expected a JSON object (an event), got {kind}" for kind in ("null", "a number", "a string", "an array")]


def test_a_har_entry_of_the_wrong_shape_is_skipped_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "odd.har"
    path.write_text(json.dumps({"log": {"entries": [1, {"request": "x"}, {
        "request": {"url": "https://shop.example.com/x", "headers": ["h"], "cookies": 7, "postData": "y"},
        "response": {"status": 500}}]}}))
    result = replay("sanitize", str(path))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["request"]["url"] == "https://shop.example.com/x"


def test_run_json_streams_each_verdict_as_it_is_decided(tmp_path: Path, bug_events: dict) -> None:
    """A long batch shows its first verdicts while later events still replay (input order kept)."""
    import http.server
    import threading
    import time

    class SlowQA(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            time.sleep(1.0)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        do_POST = do_PUT = do_PATCH = do_DELETE = do_GET  # noqa: N815

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), SlowQA)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    events = [dict(bug_events["amex_card"], event_id=f"{n:032x}") for n in range(4)]
    path = write_jsonl(tmp_path / "events.jsonl", events)
    started = time.monotonic()
    proc = subprocess.Popen([*REPLAY, "run", str(path), "--target", f"http://127.0.0.1:{server.server_port}",
                             "--ignore-parity", "--json"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            env={**os.environ, **ENV_KEY})
    try:
        first = json.loads(proc.stdout.readline())
        first_at = time.monotonic() - started
        rest = [json.loads(line) for line in proc.stdout]
        proc.wait(timeout=60)
    finally:
        proc.kill()
        server.shutdown()
    total = time.monotonic() - started
    assert [r["event_id"] for r in [first, *rest]] == [e["event_id"] for e in events]
    assert total - first_at >= 2.5, (first_at, total)  # three more slow replays came after the first line


def test_replay_help_imports_none_of_the_sanitizer_engine() -> None:
    """``replay --help`` stays well under issue 8's 0.3 s: the sanitizer package's names are
    imported on first use, so the error classes the CLI needs bring no engine, detectors or
    gazetteers (a tenth of a second of imports, half of the start-up)."""
    code = ("import sys\nfrom replay.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('sanitizers')), file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[1])
    assert proc.stderr.strip().splitlines()[-1] == "['sanitizers', 'sanitizers.errors']", proc.stderr
