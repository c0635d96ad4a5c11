#!/usr/bin/env bash
# `make up`: the local Kafka and PostgreSQL, then the project's topics. Idempotent and quick when
# everything already runs.
set -euo pipefail
COMPONENT=up
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

start=$SECONDS
"$HERE/kafka.sh" start
"$HERE/postgres.sh" start

# The topic registry lives in the code (`tradewatch topics create`); it needs the venv (make setup).
# Always the local broker and the real names, whatever the caller's environment says.
cli=$ROOT/.venv/bin/tradewatch
if [[ ! -x $cli ]]; then
  log "note: skipping topic creation: .venv/bin/tradewatch is missing (run make setup)"
elif out=$(TRADEWATCH_KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092 TRADEWATCH_TOPIC_PREFIX='' \
  "$cli" topics create 2>&1); then
  sed 's/^/[topics] /' <<<"$out" >&2
elif grep -q "invalid choice: 'topics'" <<<"$out"; then
  log "note: skipping topic creation: this tradewatch has no 'topics create' command yet"
else
  printf '%s\n' "$out" >&2
  die "tradewatch topics create failed"
fi
log "Kafka on 127.0.0.1:9092 and PostgreSQL on 127.0.0.1:5432 are up ($((SECONDS - start))s)"
