"""The three services as processes, isolated on the shared Kafka and PostgreSQL.

A `Stack` owns a fresh topic prefix (so fresh topics and, since every group id carries the
prefix, fresh consumer groups), a fresh PostgreSQL database (created from an existing one with
CREATE DATABASE, migrated with `shared.db.engine.migrate`), free HTTP ports, an `ingest` API key
and one log file per service. `close()` stops the processes and drops the topics and the database,
so nothing is left behind on servers other engineers use.
"""

from __future__ import annotations

import logging
import os
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from sqlalchemy import Engine
from sqlalchemy.engine import URL, make_url

from bench.processes import ServiceProcess, free_port
from services.alerting.app import service_spec as alerting_spec
from services.enrichment.app import service_spec as enrichment_spec
from shared.config import Settings
from shared.db.api_keys import create_api_key
from shared.db.engine import make_engine, make_sessions, migrate
from shared.kafka.adapter import KafkaAdmin, KafkaProducerAdapter
from shared.schemas.registry import ALL_TOPICS, WATCHLIST_ENTRIES
from shared.watchlists.load import load_list
from shared.watchlists.report import LoadReport

log = logging.getLogger(__name__)

SERVICES = ("ingest", "enrichment", "alerting")
READY_TIMEOUT_S = 180.0
SERVER_RETRY_S = 60.0
QUIET_RETRY_S = 5.0
"""Retries within this are not worth a warning (see `_retry`)."""


@dataclass(frozen=True)
class StackConfig:
    bootstrap_servers: str
    admin_database_url: str
    """An existing database of the PostgreSQL server (a role with CREATEDB) to create ours from."""
    log_dir: Path
    label: str = "e2e"
    service_env: Mapping[str, str] = field(default_factory=dict)
    """Extra environment for every service (TRADEWATCH_* settings)."""
    profile_dir: Path | None = None
    """Run the consumer services under cProfile, writing `<name>.prof` here when they stop."""
    profile_clock: str = "cpu"
    """`cpu` (each thread's CPU time: waiting is free) or `wall` (see bench.profiled)."""


def _admin_connection(url: str) -> psycopg.Connection[tuple[object, ...]]:
    """An autocommit connection (CREATE and DROP DATABASE refuse to run in a transaction)."""
    parsed: URL = make_url(url)
    return psycopg.connect(
        host=parsed.host,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        dbname=parsed.database,
        connect_timeout=10,
        autocommit=True,
    )


def _execute(url: str, statement: str) -> None:
    with _admin_connection(url) as conn:
        conn.execute(statement.encode())


def scratch_database(admin_url: str, label: str) -> tuple[str, str]:
    """Create an empty database `tw_<label>_<hex>` on the server of `admin_url` (an existing
    database, a role with CREATEDB); return its URL and name. `drop_database` when done."""
    name = f"tw_{label}_{uuid.uuid4().hex[:8]}"
    # The servers are shared: another engineer's test may be restarting one right now.
    _retry(lambda: _execute(admin_url, f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    return url, name


def drop_database(admin_url: str, name: str) -> None:
    """Drop it, with any connection still open to it; a failure is logged, never raised."""
    try:
        _retry(lambda: _execute(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    except Exception as error:
        log.warning("could not drop database %s: %r", name, error)


def _retry(
    action: Callable[[], None], timeout_s: float = SERVER_RETRY_S, quiet_s: float = QUIET_RETRY_S
) -> None:
    """Run `action`, again after a pause while it fails, until `timeout_s` has passed. Failures
    in the first `quiet_s` are only debug lines: an autovacuum worker on a database being
    dropped (which the role may not terminate) is gone a second later."""
    started = time.monotonic()
    while True:
        try:
            action()
            return
        except Exception as error:
            waited = time.monotonic() - started
            if waited > timeout_s:
                raise
            log.log(
                logging.DEBUG if waited < quiet_s else logging.WARNING, "retrying in 1 s: %r", error
            )
            time.sleep(1.0)


class Stack:
    def __init__(self, config: StackConfig, prefix: str, database: str) -> None:
        self.config = config
        self.prefix = prefix
        self.database = database
        self.database_url = (
            make_url(config.admin_database_url)
            .set(database=database)
            .render_as_string(hide_password=False)
        )
        self.settings = Settings(
            kafka_bootstrap_servers=config.bootstrap_servers,
            database_url=self.database_url,
            topic_prefix=prefix,
        )
        self.engine: Engine = make_engine(self.database_url)
        self.sessions = make_sessions(self.engine)
        self.ingest_key = ""
        self.viewer_key = ""
        ports = {name: free_port() for name in SERVICES}
        env = {
            **os.environ,
            **config.service_env,
            "PYTHONUNBUFFERED": "1",
            "TRADEWATCH_KAFKA_BOOTSTRAP_SERVERS": config.bootstrap_servers,
            "TRADEWATCH_DATABASE_URL": self.database_url,
            "TRADEWATCH_TOPIC_PREFIX": prefix,
            "TRADEWATCH_HTTP_HOST": "127.0.0.1",
            "TRADEWATCH_INGEST_PORT": str(ports["ingest"]),
            "TRADEWATCH_ENRICHMENT_PORT": str(ports["enrichment"]),
            "TRADEWATCH_ALERTING_PORT": str(ports["alerting"]),
        }
        log_dir = config.log_dir / prefix.rstrip("-")
        self.services = {
            name: ServiceProcess(name, self._argv(name), env, ports[name], log_dir / f"{name}.log")
            for name in SERVICES
        }

    def _argv(self, name: str) -> list[str]:
        module = f"services.{name}"
        profile_dir = self.config.profile_dir
        # Only the main thread is profiled: the consumer loop and its handler, not ingest's
        # request threads, nor alerting's outbox thread.
        if profile_dir is not None and name != "ingest":
            profile_dir.mkdir(parents=True, exist_ok=True)
            out = str(profile_dir / f"{name}.prof")
            return [
                sys.executable,
                "-m",
                "bench.profiled",
                out,
                self.config.profile_clock,
                module,
            ]
        return [sys.executable, "-m", module]

    # creation and teardown -----------------------------------------------------------------

    @classmethod
    def create(cls, config: StackConfig) -> Stack:
        """A fresh prefix and database, migrated, with every topic of the registry created."""
        _, database = scratch_database(config.admin_database_url, config.label)
        tag = database.rsplit("_", 1)[1]
        stack = cls(config, f"{config.label}-{tag}-", database)
        try:
            _retry(lambda: migrate(stack.database_url))
            _retry(stack._create_api_keys)
            _retry(stack._create_topics)
        except BaseException:
            stack.close()
            raise
        return stack

    def _create_api_keys(self) -> None:
        with self.sessions.begin() as session:
            _, self.ingest_key = create_api_key(session, name="bench", role="ingest")
            _, self.viewer_key = create_api_key(session, name="bench", role="viewer")

    def _create_topics(self) -> None:
        admin = KafkaAdmin(self.config.bootstrap_servers, client_id="tradewatch-stack")
        try:
            admin.create_topics(ALL_TOPICS, prefix=self.prefix)
        finally:
            admin.close()

    def close(self, *, drop: bool = True) -> None:
        """Stop every process (SIGTERM, then SIGKILL); then drop the topics and the database."""
        for service in self.services.values():
            service.stop(timeout_s=15.0)
        self.engine.dispose()
        if not drop:
            return
        try:
            admin = KafkaAdmin(self.config.bootstrap_servers, client_id="tradewatch-stack")
            try:
                existing = admin.list_topics()
                names = [self.topic(t.name) for t in ALL_TOPICS]
                admin.delete_topics([n for n in names if n in existing])
            finally:
                admin.close()
        except Exception as error:  # leave the topics rather than hide the test's own outcome
            log.warning("could not delete the topics of %s: %r", self.prefix, error)
        drop_database(self.config.admin_database_url, self.database)

    # what the stack offers -----------------------------------------------------------------

    def topic(self, name: str) -> str:
        return self.prefix + name

    def group_id(self, service: str) -> str:
        specs = {"enrichment": enrichment_spec, "alerting": alerting_spec}
        return specs[service](self.settings).group_id

    def load_list(self, source: str, *, progress: bool = False) -> LoadReport:
        """`tradewatch lists load SOURCE` against this stack's database and topic."""
        producer = KafkaProducerAdapter(self.config.bootstrap_servers, "tradewatch-stack-lists")
        try:
            return load_list(
                source,
                None,
                self.sessions,
                producer,
                self.topic(WATCHLIST_ENTRIES.name),
                progress=progress,
            )
        finally:
            producer.close(30.0)

    def start(
        self, names: Iterable[str] = SERVICES, ready_timeout_s: float = READY_TIMEOUT_S
    ) -> None:
        """Start the named services together, then wait until each answers /readyz."""
        chosen = list(names)
        for name in chosen:
            self.services[name].start()
        for name in chosen:
            self.services[name].wait_ready(ready_timeout_s)

    def revive(self) -> list[str]:
        """Restart any service that exited (as a supervisor would); return their names."""
        revived = []
        for name, service in self.services.items():
            if service.starts and not service.alive:
                log.warning("%s exited with %s: restarting it", name, service.exit_code)
                service.start()
                revived.append(name)
        return revived

    def log_tails(self) -> str:
        return "\n".join(service.log_tail() for service in self.services.values())
