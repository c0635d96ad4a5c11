"""Composition root: settings -> database, producer, Ingestor -> FastAPI app -> uvicorn."""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import uvicorn
from fastapi import FastAPI

from services.ingest.api import Limits, guarded, shipments_router
from services.ingest.broker import BackgroundProducer, broker_reachable
from services.ingest.ingestor import SERVICE, Ingestor
from services.ingest.keys import VerifiedKeys
from shared.config import Settings, load_settings
from shared.db.api_keys import find_api_key
from shared.db.engine import make_engine, make_sessions
from shared.heap import settle_heap
from shared.http.auth import require_roles
from shared.http.ops import ops_router
from shared.kafka.adapter import KafkaProducerAdapter
from shared.logging import configure_logging
from shared.metrics import SERVICE_READY
from shared.runtime import client_id
from shared.schemas.registry import SHIPMENTS_INGESTED, dlq_topic

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)


@dataclass
class IngestService:
    app: FastAPI
    close: Callable[[], None]


def build(settings: Settings) -> IngestService:
    engine = make_engine(settings.database_url.get_secret_value())
    sessions = make_sessions(engine)
    background = BackgroundProducer(
        lambda: KafkaProducerAdapter(settings.kafka_bootstrap_servers, client_id(SERVICE))
    )
    cached: list[Ingestor] = []

    def current() -> Ingestor | None:
        producer = background.producer
        if producer is None:
            return None
        if not cached or cached[0].producer is not producer:
            cached[:] = [
                Ingestor(
                    producer,
                    topic=settings.topic_prefix + SHIPMENTS_INGESTED.name,
                    dlq_topic=settings.topic_prefix + dlq_topic(SERVICE).name,
                )
            ]
        return cached[0]

    def ready() -> tuple[bool, dict[str, str]]:
        kafka = background.producer is not None and broker_reachable(
            settings.kafka_bootstrap_servers
        )
        database = database_reachable(sessions)
        SERVICE_READY.labels(SERVICE).set(1 if kafka and database else 0)
        checks = {
            "kafka": "ok" if kafka else "unreachable",
            "database": "ok" if database else "unreachable",
        }
        return kafka and database, checks

    app = FastAPI(title="tradewatch ingest")
    app.include_router(ops_router(ready))
    app.include_router(
        shipments_router(
            current,
            guarded(require_roles(sessions, "ingest", find=VerifiedKeys().find)),
            Limits(settings.max_body_bytes, settings.max_batch_records),
            on_delivery_failed=background.replace,
        )
    )
    background.start()

    def close() -> None:
        background.close(30)
        engine.dispose()

    return IngestService(app, close)


def database_reachable(sessions: sessionmaker[Session]) -> bool:
    """Whether API keys can be checked right now (the one thing ingest needs the database for)."""
    try:
        with sessions() as session:
            find_api_key(session, "readiness probe")
    except Exception as error:
        log.warning("database unreachable: %s", error)
        return False
    return True


def main() -> int:
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    service = build(settings)
    settle_heap()
    config = uvicorn.Config(
        service.app,
        host=settings.http_host,
        port=settings.ingest_port,
        log_level="warning",
        access_log=False,
    )
    log.info("ingest serving HTTP on %s:%d", settings.http_host, settings.ingest_port)
    # uvicorn handles SIGTERM/SIGINT itself (stop accepting, finish the requests in flight), then
    # raises the signal again for the handler it found installed. Installing one that ignores it
    # lets the producer be flushed and closed, and the process exit 0, after a graceful stop.
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop_signal, lambda signum, frame: None)
    try:
        uvicorn.Server(config).run()
    finally:
        service.close()
    log.info("ingest stopped")
    return 0
