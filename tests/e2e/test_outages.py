"""The shared broker, then the shared database, restarted mid-stream: nothing lost or duplicated.

These disrupt every user of the servers for a few seconds (a controlled restart: Kafka about
5 s, PostgreSQL about 2 s), so each restarts its server once and always starts it again, in a
finally block, whatever happened. The services that exit during the outage (a transient failure
that outlives its retries crashes without committing, by design) are restarted by the harness,
as a supervisor would.
"""

from __future__ import annotations

from bench.stack import Stack
from tests.e2e.harness import ensure_running, local_server, run_with_fault


def test_broker_restart_mid_stream_loses_and_duplicates_nothing(stack: Stack) -> None:
    def restart_broker() -> None:
        try:
            local_server("kafka", "restart")
        finally:
            ensure_running("kafka")

    try:
        run_with_fault(stack, restart_broker, "kafka")
    finally:
        ensure_running("kafka")


def test_postgres_restart_mid_stream_loses_and_duplicates_nothing(stack: Stack) -> None:
    def restart_database() -> None:
        try:
            local_server("postgres", "restart")
        finally:
            ensure_running("postgres")

    try:
        run_with_fault(stack, restart_database, "postgres")
    finally:
        ensure_running("postgres")
