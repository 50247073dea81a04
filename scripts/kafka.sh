#!/usr/bin/env bash
# Local single-node Apache Kafka (KRaft, broker+controller) for dev, tests and CI.
# Jars come from Maven Central via kafka/pom.xml; no Docker, no tarball download.
#
#   scripts/kafka.sh up|down|status
#
# Env: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (KAFKA_PORT+1),
#      KAFKA_HOME_DIR (<repo>/.cache/kafka), KAFKA_LIBS_DIR (KAFKA_HOME_DIR/libs: a second broker
#      can reuse the first one's jars), KAFKA_HEAP_OPTS (-Xms128m -Xmx512m),
#      KAFKA_START_TIMEOUT seconds (60), KAFKA_PYTHON (<repo>/.venv/bin/python).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HOME_DIR="${KAFKA_HOME_DIR:-$REPO/.cache/kafka}"
PORT="${KAFKA_PORT:-9092}"
CPORT="${KAFKA_CONTROLLER_PORT:-$((PORT + 1))}"
PY="${KAFKA_PYTHON:-$REPO/.venv/bin/python}"
[ -x "$PY" ] || PY=python3
POM="$REPO/kafka/pom.xml"
LIBS="${KAFKA_LIBS_DIR:-$HOME_DIR/libs}"
PIDFILE="$HOME_DIR/kafka.pid"
LOG="$HOME_DIR/server.log"
# shellcheck disable=SC2206 # KAFKA_HEAP_OPTS is meant to be word-split
JAVA=(java ${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m} -Djava.awt.headless=true
  -Dlog4j2.configurationFile="$HOME_DIR/log4j2.properties" -cp "$LIBS/*")

log() { echo "kafka.sh: $*" >&2; }

is_running() {
  local pid
  pid="$(cat "$PIDFILE" 2>/dev/null)" || return 1
  ps -p "$pid" -o args= 2>/dev/null | grep -q 'kafka\.Kafka'
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

# Broker answers a metadata request and lists itself.
broker_ready() {
  port_open || return 1
  "$PY" - "127.0.0.1:$PORT" <<'EOF' >/dev/null 2>&1
import sys
from kafka import KafkaAdminClient
admin = KafkaAdminClient(bootstrap_servers=sys.argv[1], request_timeout_ms=5000)
try:
    assert admin.describe_cluster()["brokers"]
finally:
    admin.close()
EOF
}

fetch_jars() {
  local sum
  sum="$(sha256sum "$POM" | cut -d' ' -f1)"
  [ "$(cat "$LIBS/.pom.sha256" 2>/dev/null)" = "$sum" ] && return 0
  log "fetching jars with Maven into $LIBS"
  rm -rf "$LIBS"
  mvn -q -B -f "$POM" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$LIBS" </dev/null >"$HOME_DIR/mvn.log" 2>&1 ||
    { cat "$HOME_DIR/mvn.log" >&2; return 1; }
  echo "$sum" >"$LIBS/.pom.sha256"
}

write_config() {
  cat >"$HOME_DIR/server.properties" <<EOF
node.id=1
process.roles=broker,controller
controller.quorum.voters=1@127.0.0.1:$CPORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CPORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$HOME_DIR/data
num.partitions=1
auto.create.topics.enable=true
group.initial.rebalance.delay.ms=0
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
EOF
  cat >"$HOME_DIR/log4j2.properties" <<EOF
appender.file.type=File
appender.file.name=file
appender.file.fileName=$LOG
appender.file.append=false
appender.file.layout.type=PatternLayout
appender.file.layout.pattern=[%d] %p %m (%c)%n
rootLogger.level=INFO
rootLogger.appenderRef.file.ref=file
EOF
}

up() {
  mkdir -p "$HOME_DIR"
  exec 9>"$HOME_DIR/.lock" && flock 9 # serialise concurrent `up`s
  if is_running; then
    broker_ready && { log "already running on 127.0.0.1:$PORT"; return 0; }
  else
    rm -f "$PIDFILE"
    port_open && { log "port $PORT is taken by another process"; return 1; }
    fetch_jars
    write_config
    if [ ! -f "$HOME_DIR/data/meta.properties" ]; then
      local cid
      cid="$("${JAVA[@]}" kafka.tools.StorageTool random-uuid)"
      "${JAVA[@]}" kafka.tools.StorageTool format -t "$cid" -c "$HOME_DIR/server.properties" \
        >"$HOME_DIR/format.log" 2>&1 || { cat "$HOME_DIR/format.log" >&2; return 1; }
      log "formatted storage, cluster id $cid"
    fi
    # setsid: own session, so Ctrl-C / hangup of the caller does not reach it;
    # 9>&- so the broker does not keep the lock.
    setsid "${JAVA[@]}" kafka.Kafka "$HOME_DIR/server.properties" \
      </dev/null >"$HOME_DIR/stdout.log" 2>&1 9>&- &
    echo $! >"$PIDFILE"
  fi
  local deadline=$((SECONDS + ${KAFKA_START_TIMEOUT:-60}))
  until broker_ready; do
    if ! is_running || [ "$SECONDS" -ge "$deadline" ]; then
      log "broker did not come up on 127.0.0.1:$PORT; errors and last lines of $LOG:"
      { grep -m 3 -A 1 -E '^\[.*\] (ERROR|FATAL) ' "$LOG"; echo ...; tail -n 30 "$LOG"
        cat "$HOME_DIR/stdout.log"; } >&2 || true
      is_running || rm -f "$PIDFILE"
      return 1
    fi
    sleep 0.5
  done
  log "up on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"), logs in $HOME_DIR)"
}

down() {
  if ! is_running; then rm -f "$PIDFILE"; log "not running"; return 0; fi
  local pid i
  pid="$(cat "$PIDFILE")"
  kill -TERM "$pid"
  for i in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then log "no exit after 30s, SIGKILL"; kill -KILL "$pid"; fi
  rm -f "$PIDFILE"
  log "stopped"
}

status() {
  if is_running; then echo "running (pid $(cat "$PIDFILE"), 127.0.0.1:$PORT)"; else echo "stopped"; return 1; fi
}

case "${1:-}" in
  up | down | status) "$1" ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
