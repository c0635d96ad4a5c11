"""Runs a consumer service: Kafka adapters, the loop, the HTTP server, signals.

Each service's `app.py` builds its handler and FastAPI app and hands them to `run_consumer_service`.
"""

from __future__ import annotations

import logging
import signal
import socket
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType

from fastapi import FastAPI

from shared.config import Settings
from shared.http.ops import ops_router
from shared.http.server import HttpServer
from shared.kafka.adapter import KafkaConsumerAdapter, KafkaProducerAdapter
from shared.kafka.loop import BatchHandler, ConsumerLoop, LoopConfig
from shared.kafka.records import Producer
from shared.metrics import SERVICE_READY
from shared.schemas.registry import dlq_topic

log = logging.getLogger(__name__)

ExtraReady = Callable[[], tuple[bool, str]]


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    group_id: str
    topics: tuple[str, ...]
    port: int


def loop_config(spec: ServiceSpec, settings: Settings) -> LoopConfig:
    return LoopConfig(
        service=spec.name,
        topics=[settings.topic_prefix + t for t in spec.topics],
        dlq_topic=settings.topic_prefix + dlq_topic(spec.name).name,
        poll_timeout_ms=settings.poll_timeout_ms,
        max_poll_records=settings.max_poll_records,
        commit_interval_ms=settings.commit_interval_ms,
        retry_attempts=settings.retry_attempts,
        retry_backoff_ms=settings.retry_backoff_ms,
        retry_backoff_max_ms=settings.retry_backoff_max_ms,
    )


def client_id(service: str) -> str:
    return f"tradewatch-{service}-{socket.gethostname()}"


def make_producer(settings: Settings, service: str) -> KafkaProducerAdapter:
    return KafkaProducerAdapter(settings.kafka_bootstrap_servers, client_id(service))


def install_stop_handlers(stop: Callable[[], None]) -> None:
    def handle(signum: int, frame: FrameType | None) -> None:
        log.info("signal %s: finishing the batch, then committing and closing", signum)
        stop()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


def run_consumer_service(
    spec: ServiceSpec,
    settings: Settings,
    make_handler: Callable[[Producer], BatchHandler],
    app: FastAPI | None = None,
    extra_ready: ExtraReady | None = None,
    before_loop: Callable[[], None] | None = None,
) -> int:
    """Run until SIGTERM/SIGINT; return the exit code. A transient failure that outlives its
    retries propagates (the process exits non-zero without committing past it)."""
    producer = make_producer(settings, spec.name)
    consumer = KafkaConsumerAdapter(
        settings.kafka_bootstrap_servers, spec.group_id, client_id(spec.name)
    )
    loop = ConsumerLoop(consumer, producer, make_handler(producer), loop_config(spec, settings))

    def ready() -> tuple[bool, dict[str, str]]:
        checks = {
            "kafka": "ok" if producer.connected() else "unreachable",
            "partitions": str(len(loop.assigned)),
        }
        ok = producer.connected() and bool(loop.assigned)
        if extra_ready is not None:
            extra_ok, detail = extra_ready()
            checks["service"] = detail
            ok = ok and extra_ok
        SERVICE_READY.labels(spec.name).set(1 if ok else 0)
        return ok, checks

    web = app or FastAPI(title=f"tradewatch {spec.name}")
    web.include_router(ops_router(ready))
    server = HttpServer(web, settings.http_host, spec.port)
    server.start()
    install_stop_handlers(loop.stop)
    try:
        if before_loop is not None:
            # With HTTP already answering /healthz: work that must finish before the group
            # is joined (a join while another thread holds the GIL can stall for minutes).
            before_loop()
        log.info("%s consuming %s, HTTP on port %d", spec.name, ", ".join(spec.topics), spec.port)
        loop.run()
    finally:
        producer.flush(30)
        producer.close(30)
        server.stop()
    return 0
