"""Fixtures shared by every test directory. Each section belongs to one concern; add yours below."""

from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from shared.kafka.adapter import KafkaAdmin

# --------------------------------------------------------------------------------------------
# Infrastructure: the real Kafka and PostgreSQL that `make up` starts.
# Tests under tests/integration and tests/e2e are marked `integration` (e2e also `e2e`).
# When a service is unreachable the test fails under CI=true (it must never skip there) and is
# skipped elsewhere with a hint to run `make up`.
# --------------------------------------------------------------------------------------------

_TESTS_DIR = Path(__file__).resolve().parent
DEFAULT_KAFKA_BOOTSTRAP = "127.0.0.1:9092"
# tradewatch_test, never the developer's tradewatch database: tests create and drop freely.
DEFAULT_TEST_DATABASE_URL = (
    "postgresql+psycopg://tradewatch:tradewatch@127.0.0.1:5432/tradewatch_test"
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        parts = item.path.resolve().relative_to(_TESTS_DIR).parts
        if parts[0] in ("integration", "e2e"):
            item.add_marker(pytest.mark.integration)
        if parts[0] == "e2e":
            item.add_marker(pytest.mark.e2e)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def _unavailable(what: str, error: Exception) -> None:
    message = f"{what} is not reachable ({type(error).__name__}: {error})"
    if _in_ci():
        pytest.fail(f"{message}; under CI=true integration tests must run, not skip", pytrace=False)
    pytest.skip(f"{message}; start it with `make up`")


def _tcp_reachable(host_port: str) -> None:
    host, _, port = host_port.strip().rpartition(":")
    with socket.create_connection((host.strip("[]"), int(port)), timeout=3):
        pass


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    servers = os.environ.get("TRADEWATCH_KAFKA_BOOTSTRAP_SERVERS", DEFAULT_KAFKA_BOOTSTRAP)
    try:
        # The TCP probe fails fast; the admin client alone would wait out its bootstrap timeout.
        _tcp_reachable(servers.split(",")[0])
        admin = KafkaAdmin(servers, client_id="tradewatch-tests-probe")
        try:
            admin.list_topics()
        finally:
            admin.close()
    except Exception as error:
        _unavailable(f"Kafka at {servers}", error)
    return servers


@pytest.fixture(scope="session")
def database_url() -> str:
    """SQLAlchemy URL (postgresql+psycopg://) of the test database; TRADEWATCH_TEST_DATABASE_URL."""
    url = os.environ.get("TRADEWATCH_TEST_DATABASE_URL", DEFAULT_TEST_DATABASE_URL)
    parsed = make_url(url)
    try:
        with psycopg.connect(
            host=parsed.host,
            port=parsed.port or 5432,
            user=parsed.username,
            password=parsed.password,
            dbname=parsed.database,
            connect_timeout=5,
        ) as conn:
            conn.execute("select 1")
    except Exception as error:
        _unavailable(f"PostgreSQL at {parsed.render_as_string(hide_password=True)}", error)
    return url


@pytest.fixture
def topic_prefix() -> str:
    """A fresh prefix per test (`t-<8 hex>-`) so that tests never share a topic."""
    return f"t-{uuid.uuid4().hex[:8]}-"


# --------------------------------------------------------------------------------------------
