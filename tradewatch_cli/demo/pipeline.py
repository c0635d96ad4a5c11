"""The whole pipeline in one process: lists -> ingest -> enrichment -> alerting -> alerts.v1.

Each stage is the services' own code (the list loader, the Ingestor, the enrichment handler, the
alerting handler and outbox publisher) driven by the shared consumer loop over the demo's bus.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson

from services.alerting.handler import make_handler as alerting_handler
from services.alerting.publisher import OutboxPublisher
from services.alerting.rules_config import load_rules
from services.enrichment.chpl import load_chpl
from services.enrichment.country_risk import load_country_risk
from services.enrichment.handler import HandlerConfig, ShipmentScreener
from services.enrichment.handler import make_handler as enrichment_handler
from services.enrichment.index import WatchlistIndex
from services.enrichment.watchlist_follower import decode_change
from services.ingest.ingestor import Accepted, Ingestor, Submission
from shared.db.engine import make_engine, make_sessions, migrate
from shared.kafka.loop import BatchHandler, ConsumerLoop, LoopConfig
from shared.schemas import AlertEvent, ScreenedShipment
from shared.schemas.registry import (
    ALERTS,
    SHIPMENTS_INGESTED,
    SHIPMENTS_SCREENED,
    WATCHLIST_ENTRIES,
    dlq_topic,
)
from shared.screening.screener import Screener
from shared.watchlists.load import load_list
from tradewatch_cli.demo.bus import Bus

DEMO_LIST = Path(__file__).resolve().parent / "data" / "demo_list.jsonl"

Say = Callable[[str], None]


@dataclass
class DemoResult:
    shipments: int
    accepted: int
    rejected: int
    screened: list[ScreenedShipment]
    alerts: list[AlertEvent]
    list_entries: int
    seconds: float
    stage_seconds: dict[str, float]


def _now() -> datetime:
    return datetime.now(UTC)


def _drain(bus: Bus, service: str, topic: str, handler: BatchHandler) -> None:
    loop = ConsumerLoop(
        bus.consumer(service),
        bus.producer(),
        handler,
        LoopConfig(
            service=service,
            topics=[bus.prefix + topic],
            dlq_topic=bus.prefix + dlq_topic(service).name,
            poll_timeout_ms=200,
            commit_interval_ms=200,
        ),
    )
    loop.run(until_idle=True)


def run_pipeline(
    bus: Bus, database_url: str, shipments: list[dict[str, object]], say: Say
) -> DemoResult:
    started = time.perf_counter()
    stages: dict[str, float] = {}
    migrate(database_url)
    engine = make_engine(database_url)
    sessions = make_sessions(engine)
    producer = bus.producer()
    try:
        mark = time.perf_counter()
        report = load_list(
            f"tradewatch-jsonl:{DEMO_LIST}",
            None,
            sessions,
            producer,
            bus.prefix + WATCHLIST_ENTRIES.name,
            progress=False,
        )
        say(f"lists      loaded {report.list_id} {report.version}: {report.entry_count} entries")
        index = WatchlistIndex(Screener([]))
        index.apply(decode_change(r) for r in bus.read(bus.prefix + WATCHLIST_ENTRIES.name))
        stages["lists"] = time.perf_counter() - mark

        mark = time.perf_counter()
        ingestor = Ingestor(
            producer, bus.prefix + SHIPMENTS_INGESTED.name, bus.prefix + dlq_topic("ingest").name
        )
        outcomes = ingestor.ingest(
            [Submission(value=s, original=orjson.dumps(s)) for s in shipments]
        )
        accepted = sum(isinstance(o, Accepted) for o in outcomes)
        say(f"ingest     accepted {accepted} of {len(shipments)} shipments")
        stages["ingest"] = time.perf_counter() - mark

        mark = time.perf_counter()
        screener = ShipmentScreener(
            index,
            load_chpl(),
            load_country_risk(),
            HandlerConfig(output_topic=bus.prefix + SHIPMENTS_SCREENED.name),
            _now,
        )
        _drain(
            bus, "enrichment", SHIPMENTS_INGESTED.name, enrichment_handler(screener, lambda: None)
        )
        screened = [
            ScreenedShipment.model_validate_json(r.value or b"")
            for r in bus.read(bus.prefix + SHIPMENTS_SCREENED.name)
        ]
        parties = sum(len(s.shipment.parties) for s in screened)
        say(f"enrichment screened {len(screened)} shipments, {parties} parties")
        stages["enrichment"] = time.perf_counter() - mark

        mark = time.perf_counter()
        rules = load_rules(None)
        _drain(
            bus, "alerting", SHIPMENTS_SCREENED.name, alerting_handler(sessions, rules, clock=_now)
        )
        publisher = OutboxPublisher(sessions, producer, bus.prefix + ALERTS.name, _now)
        while publisher.publish_once():
            pass
        alerts = [
            AlertEvent.model_validate_json(r.value or b"")
            for r in bus.read(bus.prefix + ALERTS.name)
        ]
        say(f"alerting   {len(alerts)} alert events on {bus.prefix + ALERTS.name}")
        stages["alerting"] = time.perf_counter() - mark
    finally:
        producer.close(10)
        engine.dispose()
    return DemoResult(
        shipments=len(shipments),
        accepted=accepted,
        rejected=len(shipments) - accepted,
        screened=screened,
        alerts=alerts,
        list_entries=report.entry_count,
        seconds=time.perf_counter() - started,
        stage_seconds=stages,
    )
