#!/usr/bin/env bash
# Local PostgreSQL on 127.0.0.1:5432: a project-owned cluster under .local/postgres, with the
# role tradewatch (password tradewatch) and the databases tradewatch and tradewatch_test.
#
#   deploy/local/postgres.sh start|stop|restart|status|kill
#
# start is idempotent and returns once pg_isready succeeds. stop is a fast shutdown (SIGINT: the
# clean one that does not wait for clients), then immediate, then SIGKILL. kill is an immediate
# shutdown (SIGQUIT, no checkpoint): a crash, for fault-injection tests; the next start recovers.
#
# Why a project-local cluster rather than Debian's 15/main: its state sits with the checkout
# (make down / rm -rf .local resets it), its settings are ours, and it behaves the same whether or
# not the Debian cluster exists. The server refuses to run as root, so as root it runs as the
# `postgres` OS user (which owns the data directory); as any other user it runs as that user. If
# the postgres user cannot reach .local (a checkout under /root), the data lives in
# ~postgres/tradewatch-<hash of the checkout path> and .local/postgres is a symlink to it. If
# Debian's cluster holds port 5432 and we are root, start stops it (saying so); any other holder
# of the port is an error that names it.
set -euo pipefail
COMPONENT=postgres
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PORT=5432
PG_LINK=$LOCAL/postgres
START_TIMEOUT_S=${PG_START_TIMEOUT_S:-60}
STOP_TIMEOUT_S=${PG_STOP_TIMEOUT_S:-30}

find_pg_bin() {
  local dir
  for dir in "${PG_BIN:-}" /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
    [[ -n $dir && -x $dir/pg_ctl ]] && PG_BIN=$dir && return 0
  done
  if command -v pg_ctl >/dev/null; then
    PG_BIN=$(dirname "$(command -v pg_ctl)")
    return 0
  fi
  die "PostgreSQL server binaries not found (apt-get install postgresql-15)"
}
find_pg_bin

if ((EUID == 0)); then
  PG_OS_USER=postgres
  getent passwd "$PG_OS_USER" >/dev/null || die "no '$PG_OS_USER' OS user to run the server as"
  as_pg() { (cd / && runuser -u "$PG_OS_USER" -- "$@"); }
else
  PG_OS_USER=$(id -un)
  as_pg() { (cd / && "$@"); }
fi

# Paths are resolved (no symlink) because the server itself must be able to reach them.
set_paths() {
  PG_HOME=$(readlink -f "$PG_LINK")
  PG_DATA=$PG_HOME/data
  PG_LOGFILE=$PG_HOME/log/postgres.log
  PG_RUN=$PG_HOME/run
  # A unix socket path must fit in 107 bytes.
  if ((${#PG_RUN} > 80)); then
    PG_RUN=/tmp/tradewatch-pg-$(printf '%s' "$PG_HOME" | sha256sum | cut -c1-12)
  fi
}

create_home() {
  [[ -e $PG_LINK ]] && return 0
  mkdir -p "$LOCAL"
  if as_pg test -x "$LOCAL"; then
    mkdir "$PG_LINK"
  else
    local home
    home=$(getent passwd "$PG_OS_USER" | cut -d: -f6)/tradewatch-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)
    log "$PG_OS_USER cannot reach $LOCAL: keeping the cluster in $home (symlinked from $PG_LINK)"
    mkdir -p "$home"
    ln -s "$home" "$PG_LINK"
  fi
  chown "$PG_OS_USER:" "$(readlink -f "$PG_LINK")"
  chmod 700 "$(readlink -f "$PG_LINK")"
}

pg_running() {
  [[ -e $PG_LINK ]] || return 1
  set_paths
  [[ -f $PG_DATA/PG_VERSION ]] || return 1
  as_pg "$PG_BIN/pg_ctl" status -D "$PG_DATA" >/dev/null 2>&1
}

ensure_cluster() {
  create_home
  set_paths
  as_pg mkdir -p "$PG_HOME/log" "$PG_RUN"
  if [[ ! -f $PG_DATA/PG_VERSION ]]; then
    # A data dir without PG_VERSION is a half-finished initdb: start over.
    as_pg rm -rf "$PG_DATA"
    log "initdb $PG_DATA (owner $PG_OS_USER)"
    as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -E UTF8 --no-locale \
      --auth-local=trust --auth-host=scram-sha-256 --no-sync >"$LOCAL/postgres-initdb.log" ||
      die "initdb failed: see $LOCAL/postgres-initdb.log"
    echo "include 'tradewatch.conf'" | as_pg tee -a "$PG_DATA/postgresql.conf" >/dev/null
  fi
  # Rewritten on each start so that a change here reaches an existing cluster.
  # fsync=off survives any process crash (kill -9 included), not a power cut: fine for a dev box.
  # The socket is private to the server's OS user (and root): it is trusted for admin work.
  as_pg tee "$PG_DATA/tradewatch.conf" >/dev/null <<CONF
# Written by deploy/local/postgres.sh on every start; edit that script instead.
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$PG_RUN'
unix_socket_permissions = 0700
max_connections = 200
fsync = off
log_min_messages = warning
log_connections = off
CONF
}

# Debian's own cluster on our port: stop it when we may (root), otherwise explain.
free_port() {
  port_in_use "$PORT" || return 0
  local line
  line=$(pg_lsclusters -h 2>/dev/null | awk -v p="$PORT" '$3 == p && $4 ~ /^online/ {print $1, $2}' | head -n1 || true)
  if [[ -n $line ]]; then
    if ((EUID == 0)); then
      log "port $PORT is held by Debian's cluster $line: stopping it (pg_ctlcluster ${line/ / } stop)"
      log "to get it back later: make down && pg_ctlcluster ${line/ / } start"
      # shellcheck disable=SC2086
      pg_ctlcluster $line stop
      return 0
    fi
    die "port $PORT is held by Debian's cluster $line; stop it (sudo pg_ctlcluster ${line/ / } stop) and retry"
  fi
  die "port $PORT is taken by $(port_holder "$PORT"). Another checkout's cluster? Stop it there (make down) and retry."
}

run_setup_sql() {
  "$PG_BIN/psql" -h "$PG_RUN" -p "$PORT" -U postgres -d postgres -X -q -v ON_ERROR_STOP=1 \
    -f "$HERE/postgres-setup.sql" >/dev/null
}

wait_ready() {
  local start=$SECONDS
  until "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; do
    ((SECONDS - start < START_TIMEOUT_S)) || die "not ready within ${START_TIMEOUT_S}s (log: $PG_LOGFILE)"
    sleep 0.2
  done
}

do_start() {
  if pg_running; then
    wait_ready
    run_setup_sql
    log "already running on 127.0.0.1:$PORT"
    return 0
  fi
  free_port
  ensure_cluster
  log "starting (data $PG_DATA, log $PG_LOGFILE)"
  # 9>&-: the server must not inherit the lock, or the next stop would wait for it forever.
  as_pg "$PG_BIN/pg_ctl" start -D "$PG_DATA" -l "$PG_LOGFILE" -w -t "$START_TIMEOUT_S" -s 9>&- ||
    {
      tail -n 30 "$PG_LOGFILE" >&2 || true
      die "pg_ctl start failed (log: $PG_LOGFILE)"
    }
  wait_ready
  run_setup_sql
  log "ready on 127.0.0.1:$PORT (databases tradewatch, tradewatch_test; role tradewatch)"
}

postmaster_pid() {
  head -n1 "$PG_DATA/postmaster.pid" 2>/dev/null || true
}

do_stop() {
  if ! pg_running; then
    log "not running"
    return 0
  fi
  local pid child
  pid=$(postmaster_pid)
  log "stopping (fast shutdown)"
  as_pg "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m fast -w -t "$STOP_TIMEOUT_S" -s && return 0
  log "fast shutdown timed out: immediate shutdown"
  as_pg "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m immediate -w -t 10 -s && return 0
  if [[ -n $pid ]] && pid_alive "$pid"; then
    for child in $(ps -o pid= --ppid "$pid"); do kill -KILL "$child" 2>/dev/null || true; done
    stop_pid "$pid" postmaster 5 KILL
  fi
}

do_kill() {
  if ! pg_running; then
    log "not running"
    return 0
  fi
  log "immediate shutdown (crash: the next start replays the WAL)"
  as_pg "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m immediate -w -t 10 -s
}

do_restart() {
  do_stop
  do_start
}

do_status() {
  if pg_running; then
    echo "postgres: running (pid $(postmaster_pid)) on 127.0.0.1:$PORT, data $PG_DATA"
  else
    echo "postgres: stopped"
    return 3
  fi
}

case "${1:-}" in
  start) with_lock "$LOCAL/postgres.lock" do_start ;;
  stop) with_lock "$LOCAL/postgres.lock" do_stop ;;
  kill) with_lock "$LOCAL/postgres.lock" do_kill ;;
  restart) with_lock "$LOCAL/postgres.lock" do_restart ;;
  status) do_status ;;
  *)
    echo "usage: $0 {start|stop|restart|status|kill}" >&2
    exit 2
    ;;
esac
