#!/usr/bin/env bash
# Local single-node Kafka (KRaft, broker and controller in one JVM) assembled from the official
# Maven Central jars, on 127.0.0.1:9092 (controller 127.0.0.1:9093). State lives in .local/kafka.
#
#   deploy/local/kafka.sh start|stop|restart|status|kill
#
# start is idempotent and returns once the broker answers a metadata request. kill sends SIGKILL
# (a crash, for fault-injection tests); stop is SIGTERM (controlled shutdown), then SIGKILL.
set -euo pipefail
COMPONENT=kafka
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

KAFKA_DIR=$LOCAL/kafka
LIB=$KAFKA_DIR/lib
DATA=$KAFKA_DIR/data
LOGS=$KAFKA_DIR/logs
CONF=$KAFKA_DIR/server.properties
PIDFILE=$KAFKA_DIR/kafka.pid
POM=$ROOT/deploy/kafka/pom.xml
LOG4J=$HERE/kafka-log4j2.properties
BOOTSTRAP=127.0.0.1:9092
PORTS=(9092 9093)
START_TIMEOUT_S=${KAFKA_START_TIMEOUT_S:-90}
STOP_TIMEOUT_S=${KAFKA_STOP_TIMEOUT_S:-30}
# The machine has 2 cores and 24 GiB: without a cap the JVM would reserve a quarter of it.
read -r -a HEAP_OPTS <<<"${KAFKA_HEAP_OPTS:--Xms256m -Xmx768m}"

running_pid() {
  local pid
  [[ -f $PIDFILE ]] || return 1
  pid=$(<"$PIDFILE")
  [[ $pid =~ ^[0-9]+$ ]] && pid_alive "$pid" || return 1
  # Guard against pid reuse: the process must be our broker, with our config.
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "kafka.Kafka $CONF" || return 1
  echo "$pid"
}

# The jars match the pom (a stamp holds its hash), so a version bump never mixes two versions.
ensure_jars() {
  local want stamp=$LIB/.pom.sha256
  want=$(sha256sum "$POM" | cut -d' ' -f1)
  if [[ -f $stamp && $(<"$stamp") == "$want" ]] && compgen -G "$LIB/kafka_2.13-*.jar" >/dev/null; then
    return 0
  fi
  command -v mvn >/dev/null || die "mvn not found: install Maven 3.8+ (apt-get install maven)"
  log "fetching the Kafka jars from Maven Central into $LIB"
  rm -rf "$LIB.tmp"
  mvn -q -B -Dstyle.color=never -f "$POM" dependency:copy-dependencies -Dkafka.lib.dir="$LIB.tmp" \
    >"$KAFKA_DIR/mvn.log" 2>&1 || {
    cat "$KAFKA_DIR/mvn.log" >&2
    die "maven could not fetch the jars (log: $KAFKA_DIR/mvn.log)"
  }
  compgen -G "$LIB.tmp/kafka_2.13-*.jar" >/dev/null || die "maven fetched no kafka_2.13 jar"
  rm -rf "$LIB"
  mv "$LIB.tmp" "$LIB"
  echo "$want" >"$stamp"
}

JAVA=(java "${HEAP_OPTS[@]}" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError
  -Djava.awt.headless=true -Dkafka.logs.dir="$LOGS" -Dlog4j2.configurationFile="$LOG4J"
  -cp "$LIB/*")

# 22 characters: url-safe base64 of 16 random bytes, without padding (what StorageTool expects).
new_cluster_id() {
  head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'
}

ensure_formatted() {
  sed "s|@DATA_DIR@|$DATA|g" "$HERE/kafka-server.properties.in" >"$CONF"
  [[ -f $DATA/meta.properties ]] && return 0
  # A data dir without meta.properties is a half-finished format: start over.
  rm -rf "$DATA"
  mkdir -p "$DATA"
  local cluster_id
  cluster_id=$(new_cluster_id)
  log "formatting $DATA (KRaft standalone, cluster id $cluster_id)"
  "${JAVA[@]}" kafka.tools.StorageTool format --standalone -t "$cluster_id" -c "$CONF" \
    >"$LOGS/format.log" 2>&1 || {
    cat "$LOGS/format.log" >&2
    die "formatting $DATA failed"
  }
}

# Ready when kafka-python gets cluster metadata; without the venv, when the log says so.
broker_answers() {
  local py=$ROOT/.venv/bin/python since=$1
  (exec 3<>"/dev/tcp/127.0.0.1/9092") 2>/dev/null || return 1
  if [[ -x $py ]] && "$py" -c 'import kafka' 2>/dev/null; then
    "$py" "$HERE/kafka_ping.py" "$BOOTSTRAP" 2>/dev/null
  else
    tail -c "+$since" "$LOGS/server.log" 2>/dev/null | grep -q 'Kafka Server started'
  fi
}

wait_ready() {
  local pid=$1 since=$2 start=$SECONDS
  while ! broker_answers "$since"; do
    if ! pid_alive "$pid"; then
      tail -n 40 "$LOGS/kafka.out" "$LOGS/server.log" >&2 2>/dev/null || true
      die "the broker exited during startup (logs in $LOGS)"
    fi
    if ((SECONDS - start >= START_TIMEOUT_S)); then
      tail -n 40 "$LOGS/server.log" >&2 2>/dev/null || true
      die "the broker did not answer within ${START_TIMEOUT_S}s (logs in $LOGS)"
    fi
    sleep 0.5
  done
  log "ready on $BOOTSTRAP after $((SECONDS - start))s (pid $pid)"
}

do_start() {
  local pid since
  if pid=$(running_pid); then
    broker_answers 1 || wait_ready "$pid" 1
    log "already running (pid $pid) on $BOOTSTRAP"
    return 0
  fi
  for port in "${PORTS[@]}"; do
    if port_in_use "$port"; then
      die "port $port is taken by $(port_holder "$port"). Another checkout's broker? Stop it there (make down) and retry."
    fi
  done
  command -v java >/dev/null || die "java not found: install a JDK 17+"
  mkdir -p "$LOGS"
  ensure_jars
  ensure_formatted
  since=$(($(stat -c %s "$LOGS/server.log" 2>/dev/null || echo 0) + 1))
  log "starting the broker (logs in $LOGS)"
  # setsid: the broker outlives this shell and ignores the caller's Ctrl-C.
  # The inner shell writes its own pid, then becomes java (exec), so the pid file names the JVM.
  # 9>&-: the broker must not inherit the lock, or the next stop would wait for it forever.
  rm -f "$PIDFILE"
  setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$PIDFILE" "${JAVA[@]}" kafka.Kafka "$CONF" \
    </dev/null >>"$LOGS/kafka.out" 2>&1 9>&- &
  local waited=0
  until [[ -s $PIDFILE ]] && pid=$(<"$PIDFILE") && [[ -n $pid ]]; do
    ((waited++ < 50)) || die "the broker did not write $PIDFILE"
    sleep 0.1
  done
  wait_ready "$pid" "$since"
}

do_stop() {
  local pid
  if pid=$(running_pid); then
    stop_pid "$pid" broker "$STOP_TIMEOUT_S" TERM
  else
    log "not running"
  fi
  rm -f "$PIDFILE"
}

do_kill() {
  local pid
  if pid=$(running_pid); then
    stop_pid "$pid" broker 10 KILL
  else
    log "not running"
  fi
  rm -f "$PIDFILE"
}

do_restart() {
  do_stop
  do_start
}

do_status() {
  local pid
  if pid=$(running_pid); then
    echo "kafka: running (pid $pid) on $BOOTSTRAP"
  else
    echo "kafka: stopped"
    return 3
  fi
}

case "${1:-}" in
  start) with_lock "$LOCAL/kafka.lock" do_start ;;
  stop) with_lock "$LOCAL/kafka.lock" do_stop ;;
  kill) with_lock "$LOCAL/kafka.lock" do_kill ;;
  restart) with_lock "$LOCAL/kafka.lock" do_restart ;;
  status) do_status ;;
  *)
    echo "usage: $0 {start|stop|restart|status|kill}" >&2
    exit 2
    ;;
esac
