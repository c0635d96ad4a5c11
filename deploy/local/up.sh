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
cli=$ROOT/.venv/bin/tradewatch
if [[ -x $cli ]] && "$cli" topics create --help >/dev/null 2>&1; then
  # Always the local broker and the real names, whatever the caller's environment says.
  TRADEWATCH_KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092 TRADEWATCH_TOPIC_PREFIX='' "$cli" topics create |
    sed 's/^/[topics] /' >&2
else
  log "note: skipping topic creation: '.venv/bin/tradewatch topics create' is not available (run make setup)"
fi
log "Kafka on 127.0.0.1:9092 and PostgreSQL on 127.0.0.1:5432 are up ($((SECONDS - start))s)"
