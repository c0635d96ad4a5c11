"""The service's composition: a batch's events leave from the consumer thread after its commit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from services.alerting.app import Alerting, build
from shared.config import Settings
from shared.db.engine import make_engine, migrate
from shared.db.models import AlertOutbox
from shared.kafka.memory import MemoryBroker, MemoryProducer
from shared.kafka.records import Record
from shared.schemas import AlertEvent, ScreenedShipment

NOW = datetime(2024, 2, 23, 10, 0, 3, tzinfo=UTC)
Screened = Callable[..., ScreenedShipment]


@pytest.fixture
def broker() -> MemoryBroker:
    return MemoryBroker(partitions=1)


@pytest.fixture
def producer(broker: MemoryBroker) -> MemoryProducer:
    return MemoryProducer(broker)


@pytest.fixture
def alerting(tmp_path: Path, producer: MemoryProducer) -> Iterator[Alerting]:
    """Built as `run` builds it, with the worker threads NOT started: what is published, the
    consumer thread published."""
    url = f"sqlite:///{tmp_path / 'alerting.db'}"
    migrate(url)
    engine = make_engine(url)
    try:
        yield build(Settings(), engine, producer, clock=lambda: NOW)
    finally:
        engine.dispose()


def batch(screened: Screened, *ids: str) -> list[Record]:
    return [
        Record("screened", 0, i, b"k", screened(shipment_id=s).model_dump_json().encode())
        for i, s in enumerate(ids)
    ]


def published(broker: MemoryBroker) -> list[str]:
    return [
        AlertEvent.model_validate_json(r.value or b"").shipment_id
        for r in broker.records("alerts.v1")
    ]


def unpublished(alerting: Alerting) -> int:
    query = select(func.count()).select_from(AlertOutbox).where(AlertOutbox.published_at.is_(None))
    with alerting.sessions() as session:
        return int(session.scalar(query) or 0)


def test_the_handler_publishes_its_events_and_marks_them_once_committed(
    alerting: Alerting, broker: MemoryBroker, screened: Screened
) -> None:
    handle = alerting.handler()
    handle(batch(screened, "1", "2"))
    assert published(broker) == ["1", "2"]
    assert unpublished(alerting) == 0
    handle(batch(screened, "1"))  # redelivered: no event, nothing sent again
    assert published(broker) == ["1", "2"]


def test_a_failed_send_leaves_the_event_to_the_outbox_worker(
    alerting: Alerting, broker: MemoryBroker, producer: MemoryProducer, screened: Screened
) -> None:
    producer.fail_next = RuntimeError("broker down")
    alerting.handler()(batch(screened, "1"))  # committed all the same
    assert published(broker) == []
    assert unpublished(alerting) == 1
    assert alerting.outbox.step() is False  # what the worker thread runs: it is sent now
    assert published(broker) == ["1"]
    assert unpublished(alerting) == 0
