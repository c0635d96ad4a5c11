"""Fixtures shared by every test directory. Each section belongs to one concern; add yours below."""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from sqlalchemy.engine import make_url

from shared.kafka.adapter import KafkaAdmin

if TYPE_CHECKING:
    from shared.schemas import WatchlistEntry
    from shared.screening import Screener

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


@pytest.fixture
def empty_database(database_url: str) -> Iterator[str]:
    """A new, empty database on the test server (dropped afterwards); its SQLAlchemy URL."""
    url = make_url(database_url)
    name = f"tw_{uuid.uuid4().hex[:10]}"
    admin = (
        f"host={url.host} port={url.port or 5432} user={url.username} "
        f"password={url.password} dbname={url.database}"
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)
    # A test may have stopped PostgreSQL on purpose; it must be back before the drop.
    deadline = time.monotonic() + 60
    while True:
        try:
            with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
                conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


@pytest.fixture
def fresh_database(empty_database: str) -> str:
    """A new database brought to the latest schema by the migrations."""
    from shared.db.engine import migrate

    migrate(empty_database)
    return empty_database


# --------------------------------------------------------------------------------------------
# Ingest: the HTTP service (as `python -m services.ingest` builds it) on a fresh topic pair, API
# keys by role in the test database, and reading a topic back with a fresh consumer group.
# Imports stay inside the fixtures: test runs that do not ingest do not load the service.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IngestTopics:
    shipments: str
    dlq: str


@pytest.fixture
def ingest_topics(kafka_bootstrap: str, topic_prefix: str) -> Iterator[IngestTopics]:
    from shared.schemas.registry import SHIPMENTS_INGESTED, dlq_topic

    registry = [SHIPMENTS_INGESTED, dlq_topic("ingest")]
    admin = KafkaAdmin(kafka_bootstrap)
    admin.create_topics(registry, prefix=topic_prefix)
    yield IngestTopics(topic_prefix + registry[0].name, topic_prefix + registry[1].name)
    admin.delete_topics([topic_prefix + topic.name for topic in registry])
    admin.close()


@pytest.fixture(scope="session")
def ingest_api_keys(database_url: str) -> dict[str, str]:
    """Plain API keys by role (ingest, viewer, admin), created in the test database."""
    from shared.db.api_keys import create_api_key
    from shared.db.engine import make_engine, make_sessions, migrate

    migrate(database_url)
    engine = make_engine(database_url)
    with make_sessions(engine).begin() as session:
        keys = {
            role: create_api_key(session, name=f"test-ingest-{role}", role=role)[1]
            for role in ("ingest", "viewer", "admin")
        }
    engine.dispose()
    return keys


@pytest.fixture
def ingest_service(
    kafka_bootstrap: str, database_url: str, topic_prefix: str, ingest_topics: IngestTopics
) -> Iterator[Callable[..., Any]]:
    """`start(ready=True, **settings)` -> a TestClient on a running ingest service; every
    service started is closed at teardown."""
    from fastapi.testclient import TestClient
    from pydantic import SecretStr

    from services.ingest.app import IngestService, build
    from shared.config import Settings

    started: list[IngestService] = []

    def start(ready: bool = True, **overrides: Any) -> TestClient:
        values: dict[str, Any] = {
            "kafka_bootstrap_servers": kafka_bootstrap,
            "database_url": SecretStr(database_url),
            "topic_prefix": topic_prefix,
            **overrides,
        }
        service = build(Settings(**values))
        started.append(service)
        client = TestClient(service.app)
        deadline = time.monotonic() + 30
        while ready and client.get("/readyz").status_code != 200:
            assert time.monotonic() < deadline, client.get("/readyz").json()
            time.sleep(0.1)
        return client

    yield start
    for service in started:
        service.close()


@pytest.fixture
def read_topic(kafka_bootstrap: str) -> Callable[..., list[Any]]:
    """`read_topic(topic, expected, timeout_s=30)`: every record on `topic`, read by a fresh
    group, polling a moment past `expected` so that a record too many is seen."""
    from shared.kafka.adapter import KafkaConsumerAdapter
    from shared.kafka.records import Record

    def read(topic: str, expected: int, timeout_s: float = 30) -> list[Record]:
        group = f"test-read-{uuid.uuid4().hex[:8]}"
        consumer = KafkaConsumerAdapter(kafka_bootstrap, group, group)
        consumer.subscribe([topic], lambda tps: None, lambda tps: None)
        found: list[Record] = []
        deadline = time.monotonic() + timeout_s
        while len(found) < expected and time.monotonic() < deadline:
            found.extend(consumer.poll(500, 1000))
        found.extend(consumer.poll(1500, 1000))
        consumer.close()
        return found

    return read


# --------------------------------------------------------------------------------------------
# Reference data: the real OFAC SDN list from $TRADEWATCH_SANCTIONS_DATA_DIR (read, never
# copied), parsed once per session for the screening and enrichment unit tests.
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sdn_entries() -> list[WatchlistEntry]:
    """The OFAC SDN list of 2024-05-03 with the 2025-12 aliases, from the reference data."""
    from shared.config import Settings

    root = Settings().sanctions_data_dir / "sanctions" / "ofac"
    main, aliases = root / "sdn-2024-05-03", root / "sdn-aux-2025-12" / "alt.csv"
    if not main.is_dir() or not aliases.is_file():
        message = f"reference data missing under {root} (set TRADEWATCH_SANCTIONS_DATA_DIR)"
        if _in_ci():
            pytest.fail(f"{message}; under CI=true these tests must run", pytrace=False)
        pytest.skip(message)
    from shared.watchlists.sources import read_entries

    return read_entries(f"ofac-sdn:{main},{aliases}")


@pytest.fixture(scope="session")
def sdn_screener(sdn_entries: list[WatchlistEntry]) -> Screener:
    from shared.screening import Screener

    return Screener(sdn_entries)


# --------------------------------------------------------------------------------------------
