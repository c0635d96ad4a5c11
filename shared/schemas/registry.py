"""The topic contract: every topic, its key, its value model and how it is kept."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from shared.schemas.alert import AlertEvent
from shared.schemas.screened import ScreenedShipment
from shared.schemas.shipment import Shipment
from shared.schemas.watchlist import WatchlistEntry


@dataclass(frozen=True)
class Topic:
    name: str
    key: str
    model: type[BaseModel] | None
    producer: str
    partitions: int = 6
    cleanup_policy: Literal["delete", "compact"] = "delete"
    retention_ms: int | None = None
    description: str = ""


SHIPMENTS_INGESTED = Topic(
    name="shipments.ingested.v1",
    key="source:shipment_id",
    model=Shipment,
    producer="ingest, rescreen",
    description="Validated, normalised shipments.",
)
SHIPMENTS_SCREENED = Topic(
    name="shipments.screened.v1",
    key="source:shipment_id",
    model=ScreenedShipment,
    producer="enrichment",
    description="Shipments with every party screened and risk flags.",
)
ALERTS = Topic(
    name="alerts.v1",
    key="alert_id",
    model=AlertEvent,
    producer="alerting",
    description="Alert events (raised, updated) for downstream systems.",
)
WATCHLIST_ENTRIES = Topic(
    name="watchlist.entries.v1",
    key="list:entry_id",
    model=WatchlistEntry,
    producer="tradewatch lists load",
    partitions=3,
    cleanup_policy="compact",
    description="Current watchlist entries; a tombstone (null value) when an entry is delisted.",
)

CONTRACT_TOPICS: tuple[Topic, ...] = (
    SHIPMENTS_INGESTED,
    SHIPMENTS_SCREENED,
    ALERTS,
    WATCHLIST_ENTRIES,
)


def dlq_topic(service: str) -> Topic:
    return Topic(
        name=f"{service}.dlq",
        key="original key",
        model=None,
        producer=service,
        partitions=1,
        retention_ms=30 * 24 * 3600 * 1000,
        description="Original bytes of poison records; headers name the error and the source.",
    )


DLQ_TOPICS: tuple[Topic, ...] = tuple(dlq_topic(s) for s in ("ingest", "enrichment", "alerting"))
ALL_TOPICS: tuple[Topic, ...] = CONTRACT_TOPICS + DLQ_TOPICS


def topic_by_name(name: str) -> Topic:
    for topic in ALL_TOPICS:
        if topic.name == name:
            return topic
    raise KeyError(f"unknown topic {name!r}")
