# Sourced by kafka.sh and postgres.sh: paths, logging, ports, process checks.
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LOCAL=$ROOT/.local
HERE=$ROOT/deploy/local

log() { printf '[%s] %s\n' "${COMPONENT:-local}" "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

# True when something listens on the TCP port, on any address.
port_in_use() {
  if command -v ss >/dev/null; then
    [[ -n $(ss -Hltn "sport = :$1" 2>/dev/null) ]]
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}

# "pid 123: <command line>" of whatever listens on the port, for error messages.
port_holder() {
  local pid
  pid=$(ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | head -n1 | cut -d= -f2 || true)
  if [[ -n $pid && -r /proc/$pid/cmdline ]]; then
    printf 'pid %s: %s' "$pid" "$(tr '\0' ' ' <"/proc/$pid/cmdline" | cut -c1-300)"
  else
    printf 'an unknown process'
  fi
}

# pid_alive PID: the process exists and is not a zombie.
pid_alive() {
  [[ -r /proc/$1/stat ]] && [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) != Z ]]
}

# stop_pid PID NAME TIMEOUT_S SIGNAL: send SIGNAL, wait up to TIMEOUT_S, then SIGKILL.
stop_pid() {
  local pid=$1 name=$2 timeout_s=$3 signal=${4:-TERM} waited=0
  pid_alive "$pid" || return 0
  log "stopping $name (pid $pid, SIG$signal)"
  kill "-$signal" "$pid" 2>/dev/null || true
  while pid_alive "$pid"; do
    if ((waited >= timeout_s * 10)); then
      log "$name did not stop within ${timeout_s}s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
}

# Serialise start/stop: engineers share one checkout and may run `make up` at the same time.
with_lock() {
  local lockfile=$1
  shift
  mkdir -p "$(dirname "$lockfile")"
  exec 9>"$lockfile"
  flock -w 300 9 || die "timed out waiting for $lockfile"
  "$@"
}
