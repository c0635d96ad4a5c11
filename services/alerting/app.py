"""Composition root: settings -> database, rules, workers, API -> the consumer service."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from services.alerting.api import ApiContext, build_api
from services.alerting.handler import make_handler
from services.alerting.publisher import OutboxPublisher, refresh_open_alerts
from services.alerting.repository.transactions import ping
from services.alerting.rules_config import AlertRules, load_rules
from services.alerting.webhooks import RetryPolicy, WebhookDeliverer, http_post
from services.alerting.worker import Worker
from shared.config import Settings, load_settings
from shared.db.engine import make_engine, make_sessions, migrate
from shared.heap import settle_heap
from shared.kafka.loop import BatchHandler
from shared.kafka.records import Producer
from shared.logging import configure_logging
from shared.runtime import ServiceSpec, make_producer, run_consumer_service
from shared.schemas.registry import ALERTS, SHIPMENTS_SCREENED

log = logging.getLogger(__name__)

SERVICE = "alerting"
OPEN_ALERTS_REFRESH_S = 15.0


def utc_now() -> datetime:
    return datetime.now(UTC)


def service_spec(settings: Settings) -> ServiceSpec:
    return ServiceSpec(
        name=SERVICE,
        # The topic prefix isolates a deployment's (or a test's) group as well as its topics.
        group_id=settings.topic_prefix + SERVICE,
        topics=(SHIPMENTS_SCREENED.name,),
        port=settings.alerting_port,
    )


@dataclass
class Alerting:
    """Everything the service runs beside its consumer loop, built from settings."""

    sessions: sessionmaker[Session]
    rules: AlertRules
    outbox: OutboxPublisher
    publisher: Worker
    deliverer: Worker
    gauge: Worker
    api: FastAPI
    clock: Callable[[], datetime]

    def wake(self) -> None:
        self.publisher.nudge()
        self.deliverer.nudge()

    def after_commit(self, events: int) -> None:
        """Publish a batch's events from the consumer thread, right after its commit: no hand-off
        to the publisher thread, which competes with this one for the GIL, and no empty outbox
        transaction after a batch without events. The outbox stays the safety net: what this
        leaves (the publisher thread holds the lock, the broker is away, more is waiting) the
        publisher thread sends."""
        if not events:
            return
        self.deliverer.nudge()
        try:
            drained = 0 < self.outbox.publish_once() < self.outbox.batch_size
        except Exception as error:
            log.warning("publishing after the commit failed, the outbox worker retries: %r", error)
            drained = False
        if not drained:
            self.publisher.nudge()

    def handler(self, _producer: Producer | None = None) -> BatchHandler:
        return make_handler(
            self.sessions, self.rules, after_commit=self.after_commit, clock=self.clock
        )

    def start(self) -> None:
        for worker in (self.publisher, self.deliverer, self.gauge):
            worker.start()

    def stop(self) -> None:
        for worker in (self.publisher, self.deliverer, self.gauge):
            worker.stop()

    def ready(self) -> tuple[bool, str]:
        try:
            ping(self.sessions)
        except Exception as error:
            return False, f"database unreachable: {type(error).__name__}"
        return True, "database ok"


def build(
    settings: Settings,
    engine: Engine,
    outbox_producer: Producer,
    clock: Callable[[], datetime] = utc_now,
) -> Alerting:
    rules = load_rules(settings.alert_rules_file, settings.alert_threshold)
    sessions = make_sessions(engine)
    publisher = OutboxPublisher(
        sessions, outbox_producer, settings.topic_prefix + ALERTS.name, clock
    )
    deliverer = WebhookDeliverer(
        sessions,
        http_post(settings.webhook_timeout_ms / 1000),
        RetryPolicy(
            max_attempts=settings.webhook_max_attempts,
            backoff_s=settings.webhook_backoff_ms / 1000,
            backoff_max_s=settings.webhook_backoff_max_ms / 1000,
        ),
        clock,
    )

    def refresh_gauge() -> bool:
        refresh_open_alerts(sessions)
        return False

    alerting = Alerting(
        sessions=sessions,
        rules=rules,
        outbox=publisher,
        publisher=Worker("alerts-outbox", publisher.step),
        deliverer=Worker("webhooks", deliverer.step),
        gauge=Worker("open-alerts", refresh_gauge, idle_s=OPEN_ALERTS_REFRESH_S),
        api=FastAPI(),
        clock=clock,
    )
    alerting.api = build_api(ApiContext(sessions=sessions, clock=clock, on_change=alerting.wake))
    return alerting


def run(settings: Settings) -> int:
    url = settings.database_url.get_secret_value()
    migrate(url)
    engine = make_engine(url)
    outbox_producer = make_producer(settings, f"{SERVICE}-outbox")
    alerting = build(settings, engine, outbox_producer)
    log.info(
        "alert rules: default threshold %.2f, %d list rule(s)",
        alerting.rules.default_threshold,
        len(alerting.rules.lists),
    )
    alerting.start()
    settle_heap()
    try:
        return run_consumer_service(
            service_spec(settings),
            settings,
            alerting.handler,
            app=alerting.api,
            extra_ready=alerting.ready,
        )
    finally:
        alerting.stop()
        outbox_producer.flush(30)
        outbox_producer.close(30)
        engine.dispose()


def main() -> int:
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    return run(settings)
