"""`replay pipeline`: replay every event of a Kafka topic into QA, at least once, never twice.

For each message: decode (JSON event, ``ingest-events`` msgpack, ``events``-topic insert), skip
it when the result store already holds its event id, apply the per-fingerprint budget, sanitize
and replay it, write the sanitized result to the store (and the results topic, acknowledged), and only
then commit the message's offset. Messages that are no event go to the dead-letter topic as a
reference (topic, partition, offset, error class, message), never with their payload.

Replaying twice is prevented in two layers: the store's event id (a redelivered event whose
result is stored is a duplicate) and a claim written just before the request leaves (an event
claimed but without a result was interrupted mid-replay by a crash: it gets an ``inconclusive``
result instead of a second request to QA).

Workers of one ``--group`` share the topic's partitions (Kafka consumer groups); they may share
one store file, which makes de-duplication global.

Faults end in a state a restart resumes from: SIGTERM finishes the event in flight (one waiting to
retry a QA that refuses connections never reached QA, so it is left unclaimed and uncommitted);
a store that cannot be written (a full disk), or a result the broker does not take within the
producer's delivery timeout, stops the worker with exit 1 before the message is acknowledged; a
commit refused while the broker is away is skipped (the partition's next commit covers it).

Only click and the standard library are imported at module level, so ``replay --help`` is fast.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

import click

from connectors.limits import DEFAULT_LIMITS, EventLimits
from replay.serve import event_limit_options

__all__ = ["Budget", "Counters", "Pipeline", "parse_source", "pipeline_command"]

COUNTERS = ("processed", "replayed", "reproduced", "not_reproduced", "inconclusive", "blocked", "skipped",
            "duplicates", "dead_lettered", "ignored")


@dataclass
class Counters:
    values: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))

    def add(self, name: str, n: int = 1) -> None:
        self.values[name] = self.values.get(name, 0) + n

    def line(self) -> str:
        return "replay pipeline: " + " ".join(f"{k}={v}" for k, v in self.values.items())


@dataclass(frozen=True)
class Budget:
    """At most ``limit`` replays per issue (fingerprint) in any sliding window of ``window``
    seconds, counted in the result store: workers sharing a store share the budget."""

    limit: int
    window: float


def parse_budget(text: str) -> tuple[int, float]:
    count, sep, seconds = text.partition("/")
    try:
        limit, window = int(count), float(seconds or "nan")
    except ValueError:
        limit, window = 0, float("nan")
    if not sep or limit < 1 or not window > 0:
        raise click.BadParameter(f"expected N/SECONDS such as 20/60, got {text!r}", param_hint="--budget")
    return limit, window


def parse_source(url: str) -> tuple[list[str], str]:
    """``kafka://HOST:PORT[,HOST:PORT...]/TOPIC`` → (bootstrap servers, topic)."""
    parts = urlsplit(url)
    topic = parts.path.lstrip("/")
    servers = [s for s in parts.netloc.split(",") if s]
    if parts.scheme != "kafka" or not servers or not topic or "/" in topic:
        raise click.BadParameter(f"expected kafka://HOST:PORT/TOPIC, got {url!r}", param_hint="--source")
    return servers, topic


def fingerprint_key(event: dict[str, Any]) -> str:
    """A short hash naming the event's issue: its fingerprint, else exception type, top frame, transaction."""
    from replay.verdict import signature_of

    try:
        fingerprint = [str(f) for f in event.get("fingerprint") or () if f != "{{ default }}"]
        if fingerprint:
            parts = ["fp", *fingerprint]
        else:
            sig = signature_of(event)
            parts = ["sig", str(sig.exception_type), str(sig.top_frame),
                     str(event.get("transaction") or event.get("culprit"))]
    except (AttributeError, TypeError):  # malformed exception or fingerprint: one shared bucket
        parts = ["malformed"]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


class Pipeline:
    """One worker: a consumer (a group member), the replay chain and the sinks.

    ``consumer`` is a subscribed ``KafkaConsumer`` with auto-commit off; ``producer`` (a
    ``KafkaProducer`` or None) writes results and dead letters.
    """

    def __init__(self, *, consumer, store, sanitizer, target, client, producer=None, results_topic: str | None = None,
                 dlq_topic: str | None = None, budget: Budget | None = None, max_bytes: int,
                 max_events: int | None = None, idle_timeout: float | None = None, retries: int = 3,
                 backoff: float = 0.5, echo=None, parity=None, audit=None, stop: threading.Event | None = None,
                 event_limits=None) -> None:
        self.consumer, self.store, self.sanitizer, self.target, self.client = consumer, store, sanitizer, target, client
        self.producer, self.results_topic, self.dlq_topic = producer, results_topic, dlq_topic
        self.budget, self.max_bytes, self.max_events, self.idle_timeout = budget, max_bytes, max_events, idle_timeout
        self.retries, self.backoff = retries, backoff
        self.echo = echo or (lambda line: click.echo(line, err=True))
        self.counters = Counters()
        self.stop = stop or threading.Event()  # set by a signal: finish the event in flight, then leave
        self.parity, self.audit = parity, audit  # a replay.parity.GateCache, a replay.audit.AuditTrail
        self.event_limits = event_limits or DEFAULT_LIMITS  # size and depth of each event

    def run(self) -> Counters:
        """Consume until stopped (signal, ``max_events`` or ``idle_timeout``), then commit and leave."""
        from kafka.structs import OffsetAndMetadata

        last_activity = time.monotonic()
        try:
            while not self.stop.is_set():
                batch = self.consumer.poll(timeout_ms=200)
                now = time.monotonic()
                if batch:
                    last_activity = now
                elif not self.consumer.assignment():
                    last_activity = now  # joining or rebalancing: not idle, just waiting for partitions
                elif self.idle_timeout is not None and now - last_activity >= self.idle_timeout:
                    break
                for tp, records in batch.items():
                    for record in records:
                        if self._should_stop() or not self.handle(record):
                            break  # an unfinished event stays uncommitted: it is redelivered after a restart
                        self._commit(tp, OffsetAndMetadata(record.offset + 1, "", -1))
                if self._should_stop():
                    break
        finally:
            self.counters.values["lag"] = self._lag()
            self.consumer.close(autocommit=False)
        return self.counters

    def _lag(self) -> int:
        """Messages of this worker's partitions not yet processed (end offset minus position)."""
        try:
            partitions = self.consumer.assignment()
            ends = self.consumer.end_offsets(list(partitions)) if partitions else {}
            return sum(max(0, end - self.consumer.position(tp)) for tp, end in ends.items())
        except Exception:  # lag is informative only; a broker hiccup here must not fail the shutdown
            return -1

    def _commit(self, tp, offset) -> None:
        """Commit one partition's offset. A refused commit (a rebalance, the broker away) is safe and
        the worker goes on: the result is stored, so a redelivery is counted as a duplicate, and the
        next commit of this partition covers this offset too."""
        from kafka.errors import KafkaError

        try:
            self.consumer.commit({tp: offset})
        except KafkaError as exc:
            self.echo(f"replay pipeline: {tp.topic}/{tp.partition}: offset not committed ({type(exc).__name__}); "
                      "its redelivery will be a duplicate")

    def _should_stop(self) -> bool:
        if self.max_events is not None and self.counters.values["processed"] >= self.max_events:
            self.stop.set()
        return self.stop.is_set()

    def handle(self, record) -> bool:
        """Process one message; True when its result (or dead letter) is durable, False when it was
        left unfinished (stopped before QA received it) and must be redelivered."""
        from connectors import InputError, normalize_event
        from replay.messages import PoisonMessage, canonical_event_id, decode_message
        from replay.store import INTERRUPTED

        self.counters.add("processed")
        ref = f"kafka:{record.topic}/{record.partition}@{record.offset}"
        try:
            decoded = decode_message(record.value, max_bytes=self.max_bytes, limits=self.event_limits)
            if decoded.event is None:
                self.counters.add("ignored")
                return True
            event = normalize_event(decoded.event, self.event_limits)
        except PoisonMessage as exc:
            return self.dead_letter(record, exc.kind, str(exc))
        except InputError as exc:
            return self.dead_letter(record, "SchemaError", str(exc))
        except Exception as exc:  # an odd shape must not crash the worker on every redelivery
            return self.dead_letter(record, type(exc).__name__, "could not read the event (internal error)")
        event_id = canonical_event_id(event.get("event_id")) or decoded.event_id or _offset_id(record)
        del decoded
        event["event_id"] = event_id
        if self.store.seen(event_id):
            self.counters.add("duplicates")
            stored = self.store.get(event_id)
            if stored is not None:
                self._publish(event_id, stored)  # the results topic may have missed it before a crash
            return True
        token = None
        if self.budget is not None:
            token = self.store.spend_budget(fingerprint_key(event), self.budget.limit, self.budget.window)
            if token is None:
                self.counters.add("skipped")
                self._record(event_id, _plain_record(
                    event_id, "skipped", f"budget: {self.budget.limit} replays of this issue per "
                                         f"{self.budget.window:g}s already done"), ref)
                return True
        if not self.store.claim(event_id):
            self._refund(token)
            self.counters.add("inconclusive")
            self._record(event_id, _plain_record(event_id, "inconclusive", INTERRUPTED, error=True), ref)
            return True
        result = self._replay(event, record)
        del event
        if result is None:
            return True  # dead-lettered
        if result is _UNSENT:
            self.store.release(event_id)
            self._refund(token)
            return False
        self.counters.add("replayed")
        self.counters.add(result.verdict)
        self._record(event_id, result.to_json() | {"event_id": event_id}, ref)
        if self.audit is not None:
            from replay.audit import audit_replay

            audit_replay(self.audit, result, target=self.target.name, policy_hash=self.sanitizer.policy.hash, via=ref)
        return True

    def _refund(self, token: int | None) -> None:
        """A replay that never reached QA does not count against its issue's budget."""
        if token is not None:
            self.store.refund_budget(token)

    def _replay(self, event, record):
        """Replay, retrying with backoff while QA refuses connections (then it received nothing).

        Timeouts and broken answers are not retried: QA may have received the request, and a retry
        would replay twice. Stopped during a backoff, the event is ``_UNSENT``: QA never received it.
        """
        from replay.runner import replay_document
        from replay.send import CONNECT_ERROR

        for attempt in range(self.retries + 1):
            try:
                result = replay_document(event, sanitizer=self.sanitizer, target=self.target, client=self.client,
                                         parity=self.parity.get() if self.parity is not None else None,
                                         limits=self.event_limits)
            except Exception as exc:  # a bug on one event must not stop the stream; its text may hold values
                self.dead_letter(record, type(exc).__name__, "the replay chain failed on this event (internal error)")
                return None
            outcome = result.outcome
            unreachable = (outcome is not None and outcome.status is None
                           and (outcome.error or "").startswith(CONNECT_ERROR))
            if not unreachable or attempt == self.retries:
                return result
            if self.stop.wait(self.backoff * 2 ** attempt):
                return _UNSENT

    def _record(self, event_id: str, data: dict[str, Any], ref: str) -> None:
        self.store.record(event_id, data | {"source": ref}, source=ref)
        self._publish(event_id, data | {"source": ref})

    def _publish(self, event_id: str, data: dict[str, Any]) -> None:
        if self.producer is None or not self.results_topic:
            return
        import orjson

        self.producer.send(self.results_topic, key=event_id.encode(), value=orjson.dumps(data)).get()

    def dead_letter(self, record, kind: str, message: str) -> bool:
        """Send a reference to the message (never its payload) to the DLQ, or name it on stderr; True (durable)."""
        import orjson

        self.counters.add("dead_lettered")
        letter = {"topic": record.topic, "partition": record.partition, "offset": record.offset,
                  "error": kind, "message": message, "dead_lettered_at": time.time()}
        if self.producer is not None and self.dlq_topic:
            self.producer.send(self.dlq_topic, value=orjson.dumps(letter)).get()
        else:
            ref = f"kafka:{record.topic}/{record.partition}@{record.offset}"
            self.echo(f"replay: {ref}: dead letter ({kind}): {message}")
        return True


_UNSENT = object()  # _replay's answer when stopped before QA received the request


def _offset_id(record) -> str:
    """An id for events without one: stable across redeliveries of the same message."""
    return f"kafka-{record.topic}-{record.partition}-{record.offset}"


def _plain_record(event_id: str, verdict: str, reason: str, *, error: bool = False) -> dict[str, Any]:
    return {"event_id": event_id, "verdict": verdict, "reason": reason, "status": None, "request": None,
            "evidence": "none", "holes": [], "error": error}


@click.command("pipeline")
@click.option("--source", required=True, metavar="kafka://HOST:PORT/TOPIC|serve[://HOST:PORT]",
              help="Topic to consume, or `serve`: the embedded default, fed by `replay serve` (no Kafka).")
@click.option("--group", help="Consumer group (Kafka); workers of one group share the partitions.")
@click.option("--target", "target_spec", required=True, metavar="URL|NAME",
              help="QA base URL, or the name of a target in the config file.")
@click.option("--config", type=click.Path(dir_okay=False), envvar="REPLAY_CONFIG",
              help="Targets file (default: $REPLAY_CONFIG, else ./replay.toml).")
@click.option("--results-topic", help="Also publish each sanitized result record here (key: event id).")
@click.option("--dlq-topic", help="Dead letters (topic, partition, offset, error; never the payload) go here; "
                                  "without it they are named on stderr.")
@click.option("--max-events", type=click.IntRange(min=1), help="Stop after N messages.")
@click.option("--idle-timeout", type=click.FloatRange(min=0, min_open=True), metavar="SECONDS",
              help="Stop when no message came for this long while holding partitions.")
@click.option("--store", "store_path", type=click.Path(dir_okay=False),
              help="Result store (SQLite; default: $REPLAY_HOME/results.sqlite3). Share it between workers.")
@click.option("--policy", type=click.Path(exists=True, dir_okay=False), help="Sanitizer policy YAML.")
@click.option("--budget", metavar="N/SECONDS", help="At most N replays of one issue (fingerprint) per window; "
                                                    "the rest get verdict `skipped`. Counted in the store: "
                                                    "workers sharing it share the budget.")
@click.option("--max-bytes", type=click.IntRange(min=1), default=1_000_000, show_default=True,
              help="Larger messages are dead-lettered.")
@click.option("--retries", type=click.IntRange(min=0), default=3, show_default=True,
              help="Retries (backoff 0.5 s, doubling) while QA refuses connections; timeouts are never retried.")
@click.option("--stats", is_flag=True, help="Print the counters on stderr at the end.")
@click.option("--ignore-parity", is_flag=True, help="Replay even when QA drifts from production (error drifts).")
@event_limit_options
def pipeline_command(source: str, group: str, target_spec: str, config: str | None, results_topic: str | None,
                     dlq_topic: str | None, max_events: int | None, idle_timeout: float | None, store_path: str | None,
                     policy: str | None, budget: str | None, max_bytes: int, retries: int, stats: bool,
                     ignore_parity: bool, max_event_bytes: int, max_depth: int) -> None:
    """Replay every event of a Kafka topic into QA: at least once, de-duplicated, scaling out.

    Reads JSON Sentry events, self-hosted Sentry's ingest-events (msgpack) and events-topic
    ([2, "insert", {...}]) messages. An offset is committed only after the result is stored
    (and published); an event whose id the store already holds is not replayed again.
    SIGTERM or Ctrl-C finishes the event in flight, commits and leaves the group. Exit 1 when
    the result store cannot be written (a full disk): the message in flight is not acknowledged.

    \b
    Examples:
      replay pipeline --source kafka://127.0.0.1:9092/ingest-events --group replay --target qa
      replay pipeline --source kafka://127.0.0.1:9092/errors --group replay \\
          --target http://127.0.0.1:8001 --results-topic replay-results --dlq-topic replay-dlq \\
          --budget 20/60 --idle-timeout 30 --stats
    """
    if source == "serve" or source.startswith("serve://"):
        return _serve(source, target_spec, config, store_path, policy, ignore_parity, max_event_bytes, max_depth)
    if not group:
        raise click.UsageError("--group is required with a kafka:// source")
    from kafka.errors import KafkaError

    servers, topic = parse_source(source)
    limits = parse_budget(budget) if budget else None
    try:
        counters = _run(servers, topic, group, target_spec, config, results_topic, dlq_topic, max_events, idle_timeout,
                        store_path, policy, limits, max_bytes, retries, ignore_parity,
                        EventLimits(max_event_bytes, max_depth))
    except _UserError as exc:
        click.echo(f"replay: {exc}", err=True)
        sys.exit(2)
    except sqlite3.Error as exc:  # a full disk: stop rather than take messages whose results cannot be kept
        _stopped(f"the result store or audit trail cannot be written ({exc})")
    except KafkaError as exc:  # a result or dead letter not delivered within the producer's delivery timeout
        _stopped(f"Kafka did not take a result or dead letter ({type(exc).__name__})")
    if stats:
        click.echo(counters.line(), err=True)


def _serve(source: str, target_spec: str, config: str | None, store_path: str | None, policy: str | None,
           ignore_parity: bool, max_event_bytes: int, max_depth: int) -> None:
    """``--source serve``: the same sanitize → replay → store chain, fed by `replay serve`'s ingest
    (DSN keys from REPLAY_DSN_KEYS, webhook secret from SENTRY_CLIENT_SECRET)."""
    from replay.serve import serve_command

    address = urlsplit(source if "://" in source else "serve://127.0.0.1:8990")
    try:
        port = address.port or 8990
    except ValueError:  # serve://127.0.0.1:99999
        raise click.BadParameter(f"{source!r}: the port must be 1-65535", param_hint="--source") from None
    click.get_current_context().invoke(
        serve_command, host=address.hostname or "127.0.0.1", port=port, target_spec=target_spec,
        config=config, dsn_keys=(), webhook_secret=os.environ.get("SENTRY_CLIENT_SECRET"), store_path=store_path,
        policy=policy, ignore_parity=ignore_parity, max_event_bytes=max_event_bytes, max_depth=max_depth)


class _UserError(Exception):
    pass


def _stopped(why: str) -> NoReturn:
    click.echo(f"replay: {why}; the message in flight was not acknowledged and is redelivered after a restart",
               err=True)
    sys.exit(1)


def _run(servers, topic, group, target_spec, config, results_topic, dlq_topic, max_events, idle_timeout, store_path,
         policy, limits, max_bytes, retries, ignore_parity, event_limits) -> Counters:
    import httpx
    from kafka import KafkaConsumer, KafkaProducer
    from kafka.errors import KafkaTimeoutError

    from replay.audit import AuditTrail
    from replay.signals import stop_on_signals
    from replay.config import resolve_target
    from replay.errors import USER_ERRORS
    from replay.parity import GateCache
    from replay.store import ResultStore, default_home
    from sanitizers import Sanitizer, load_policy
    from sanitizers.parallel import settle

    try:
        target = resolve_target(target_spec, config)
        sanitizer = Sanitizer(load_policy(policy))
    except USER_ERRORS as exc:
        raise _UserError(str(exc)) from None
    if sanitizer.key_is_ephemeral:
        click.echo("replay: warning: REPLAY_SECRET_KEY is not set; fakes use a random key for this run "
                   "and differ between workers and runs", err=True)
    settle(sanitizer)  # before joining the group: the first event's warm-up would otherwise stall a poll
    store = ResultStore(Path(store_path) if store_path else default_home() / "results.sqlite3")
    try:
        # reconnect within a second of a restarted broker's return (kafka-python backs off up to 30 s)
        producer = (KafkaProducer(bootstrap_servers=servers, acks="all", linger_ms=0, reconnect_backoff_max_ms=1000)
                    if results_topic or dlq_topic else None)
        consumer = KafkaConsumer(bootstrap_servers=servers, group_id=group, enable_auto_commit=False,
                                 auto_offset_reset="earliest", max_poll_records=50, session_timeout_ms=10_000,
                                 heartbeat_interval_ms=2_000, client_id=f"replay-pipeline-{group}",
                                 reconnect_backoff_max_ms=1000)
    except KafkaTimeoutError:
        store.close()
        raise _UserError(f"no Kafka broker answers at {','.join(servers)}") from None
    with httpx.Client(timeout=target.timeout, follow_redirects=False, trust_env=False) as client, \
            stop_on_signals() as stop:
        consumer.subscribe([topic], listener=_listener(group))
        pipeline = Pipeline(consumer=consumer, store=store, sanitizer=sanitizer, target=target, client=client,
                            producer=producer, results_topic=results_topic, dlq_topic=dlq_topic,
                            budget=Budget(*limits) if limits else None, max_bytes=max_bytes,
                            max_events=max_events, idle_timeout=idle_timeout, retries=retries,
                            parity=GateCache(target, ignore=ignore_parity), audit=AuditTrail(), stop=stop,
                            event_limits=event_limits)
        try:
            counters = pipeline.run()
        finally:
            if producer is not None:
                producer.close()
            store.close()
    return counters


def _listener(group: str):
    """Name partition moves on stderr: the operator's view of the group sharing the work."""
    from kafka import ConsumerRebalanceListener

    class Listener(ConsumerRebalanceListener):
        def on_partitions_revoked(self, revoked) -> None:
            pass  # every processed message is committed before the next poll: nothing to hand back

        def on_partitions_assigned(self, assigned) -> None:
            names = ", ".join(f"{tp.topic}/{tp.partition}" for tp in sorted(assigned)) or "none"
            click.echo(f"replay pipeline: group {group}: assigned {names}", err=True)

    return Listener()


if __name__ == "__main__":
    pipeline_command()
