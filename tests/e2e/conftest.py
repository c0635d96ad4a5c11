"""The e2e suite: the three services as processes (bench.stack) on the real Kafka and PostgreSQL.

Each test gets its own Stack: a fresh topic prefix (so fresh topics and consumer groups, whose
ids carry the prefix), a fresh database, free ports, and the demo watchlist (a dozen real SDN
entries) loaded, so that a test is a few seconds of traffic rather than a full list's load.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# `bench` (the process harness shared with the benchmark) is not an installed package; pytest's
# importlib mode does not put the project root on sys.path.
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.stack import Stack, StackConfig  # noqa: E402
from tests.e2e.harness import DEMO_LIST  # noqa: E402

# Faster failure and recovery than production's defaults, so that a broker or database outage
# is waited out (or crashed through and restarted) within the test's minute.
SERVICE_ENV = {
    "TRADEWATCH_LOG_LEVEL": "INFO",
    "TRADEWATCH_RETRY_BACKOFF_MAX_MS": "2000",
    "TRADEWATCH_RETRY_ATTEMPTS": "10",
}


@pytest.fixture
def stack(kafka_bootstrap: str, database_url: str, tmp_path: Path) -> Iterator[Stack]:
    """The three services running and ready on a fresh prefix and database."""
    config = StackConfig(
        bootstrap_servers=kafka_bootstrap,
        admin_database_url=database_url,
        log_dir=tmp_path / "logs",
        label="e2e",
        service_env=SERVICE_ENV,
    )
    created = Stack.create(config)
    try:
        created.load_list(DEMO_LIST)
        created.start()
        yield created
    finally:
        created.close()
