"""Each service killed with SIGKILL mid-stream and restarted: nothing lost, nothing duplicated.

The services run as processes on the real Kafka and PostgreSQL; the traffic, the moment of the
fault and the checks are those of tests/e2e/harness.py (`run_with_fault`).
"""

from __future__ import annotations

import time

import pytest

from bench.stack import Stack
from tests.e2e.harness import run_with_fault

DOWN_S = 1.0


@pytest.mark.parametrize("service", ["ingest", "enrichment", "alerting"])
def test_service_killed_mid_stream_loses_and_duplicates_nothing(stack: Stack, service: str) -> None:
    process = stack.services[service]

    def kill_and_restart() -> None:
        process.kill()
        time.sleep(DOWN_S)
        process.start()
        process.wait_ready(120.0)

    run_with_fault(stack, kill_and_restart, f"kill-{service}")
    assert process.starts == 2
