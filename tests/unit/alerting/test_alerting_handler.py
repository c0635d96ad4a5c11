"""The batch handler and the outbox publisher, with the memory bus and SQLite."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from services.alerting import handler as handler_module
from services.alerting.handler import INGESTED_AT_HEADER, decode, make_handler
from services.alerting.metrics import INGEST_TO_ALERT_SECONDS, OPEN_ALERTS
from services.alerting.publisher import OutboxPublisher, refresh_open_alerts
from services.alerting.repository.transactions import RejectedByDatabase
from services.alerting.rules_config import AlertRules
from services.alerting.screened import process_batch
from shared.db.models import Alert, AlertOutbox
from shared.kafka.loop import ConsumerLoop, LoopConfig, PoisonError
from shared.kafka.memory import MemoryBroker, MemoryConsumer, MemoryProducer
from shared.kafka.records import Output, Record
from shared.schemas import AlertEvent, ScreenedShipment

Screened = Callable[..., ScreenedShipment]
Sessions = sessionmaker[Session]
NOW = datetime(2024, 2, 23, 10, 0, 3, tzinfo=UTC)


def record(
    value: bytes | None, offset: int = 0, headers: list[tuple[str, bytes]] | None = None
) -> Record:
    return Record("screened", 0, offset, b"k", value, headers or [])


@pytest.mark.parametrize(
    ("value", "error_type"),
    [
        (None, "tombstone"),
        (b"{not json", "undecodable"),
        (b'{"shipment": {}}', "schema_invalid"),
    ],
)
def test_poison_is_named(value: bytes | None, error_type: str) -> None:
    with pytest.raises(PoisonError) as error:
        decode(record(value))
    assert error.value.error_type == error_type


def test_a_screening_that_contradicts_its_shipment_or_holds_nul_is_poison(
    screened: Screened,
) -> None:
    bad = screened()
    bad.screening.parties[1].party_index = 9
    with pytest.raises(PoisonError, match="out of range"):
        decode(record(bad.model_dump_json().encode()))
    nul = screened(consignee="AURUS\x00LLC")
    with pytest.raises(PoisonError, match="NUL"):
        decode(record(nul.model_dump_json().encode()))


def test_ingested_at_comes_from_the_header_first(screened: Screened) -> None:
    value = screened().model_dump_json().encode()
    assert decode(record(value)).ingested_at == screened().ingested_at
    iso = decode(record(value, headers=[(INGESTED_AT_HEADER, b"2024-02-23T09:00:00Z")]))
    assert iso.ingested_at == datetime(2024, 2, 23, 9, tzinfo=UTC)
    millis = decode(record(value, headers=[(INGESTED_AT_HEADER, b"1708678800000")]))
    assert millis.ingested_at == datetime(2024, 2, 23, 9, tzinfo=UTC)


def _loop(broker: MemoryBroker, sessions: Sessions, woken: list[int]) -> ConsumerLoop:
    handle = make_handler(sessions, AlertRules(), after_commit=woken.append, clock=lambda: NOW)
    return ConsumerLoop(
        MemoryConsumer(broker, "alerting"),
        MemoryProducer(broker),
        handle,
        LoopConfig(service="alerting", topics=["screened"], dlq_topic="alerting.dlq"),
        sleep=lambda s: None,
    )


def test_a_batch_with_poison_and_a_redelivered_record_makes_one_alert_and_one_dlq_record(
    sessions: Sessions, screened: Screened
) -> None:
    broker = MemoryBroker(partitions=1)
    good = screened().model_dump_json().encode()
    for value in (good, b"garbage", good):
        broker.append(Output("screened", "kr-customs:KR-EXP-2024-000731", value))
    woken: list[int] = []
    before = INGEST_TO_ALERT_SECONDS._sum.get()
    _loop(broker, sessions, woken).run(max_batches=2)
    with sessions() as session:
        assert len(list(session.scalars(select(Alert)))) == 1
        assert len(list(session.scalars(select(AlertOutbox)))) == 1
    [dead] = broker.records("alerting.dlq")
    assert dead.value == b"garbage"
    assert broker.committed("alerting")
    assert woken == [1]  # one batch (the redelivered record in it is stale), one event
    # ingested 4 s before the alert was committed (the sample's ingested_at is T0 - 1 s)
    assert INGEST_TO_ALERT_SECONDS._sum.get() - before == pytest.approx(4.0)


def test_a_record_the_database_refuses_goes_to_the_dlq_and_the_rest_commit(
    sessions: Sessions, screened: Screened, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = process_batch

    def refuse_one(
        session: Session, batch: list[ScreenedShipment], *a: object, **k: object
    ) -> object:
        if any(s.shipment.shipment_id == "refused" for s in batch):
            raise RejectedByDatabase("value too long")
        return real(session, batch, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(handler_module, "process_batch", refuse_one)
    handle = make_handler(sessions, AlertRules(), clock=lambda: NOW)
    values = [screened(shipment_id=i).model_dump_json().encode() for i in ("a", "refused", "b")]
    result = handle([record(v, i) for i, v in enumerate(values)])
    assert [(r.record.offset, r.error_type) for r in result.rejected] == [(1, "db_rejected")]
    with sessions() as session:
        assert sorted(a.shipment_id for a in session.scalars(select(Alert))) == ["a", "b"]


def test_the_publisher_sends_each_outbox_event_once_in_order(
    sessions: Sessions, screened: Screened
) -> None:
    handle = make_handler(sessions, AlertRules(), clock=lambda: NOW)
    handle([record(screened(shipment_id=i).model_dump_json().encode()) for i in ("1", "2")])
    broker = MemoryBroker(partitions=1)
    producer = MemoryProducer(broker)
    publisher = OutboxPublisher(sessions, producer, "alerts.v1", clock=lambda: NOW)
    producer.fail_next = RuntimeError("broker down")
    with pytest.raises(RuntimeError):
        publisher.publish_once()
    assert len(broker.records("alerts.v1")) == 1  # the second send made it, ...
    assert publisher.publish_once() == 2  # ... but nothing was marked: both go (again)
    assert publisher.publish_once() == 0
    assert len(broker.records("alerts.v1")) == 3
    sent = [AlertEvent.model_validate_json(r.value or b"") for r in broker.records("alerts.v1")]
    assert [e.shipment_id for e in sent[-2:]] == ["1", "2"]
    assert (
        broker.records("alerts.v1")[-1].header("tw.event_id") == (sent[-1].event_id or "").encode()
    )


def test_the_open_alerts_gauge_counts_alerts_not_yet_closed(
    sessions: Sessions, screened: Screened
) -> None:
    handle = make_handler(sessions, AlertRules(), clock=lambda: NOW)
    handle([record(screened(shipment_id=i).model_dump_json().encode()) for i in ("1", "2")])
    with sessions.begin() as session:
        alert = session.scalars(select(Alert).where(Alert.shipment_id == "1")).one()
        alert.status = "dismissed"
    refresh_open_alerts(sessions)
    assert OPEN_ALERTS._value.get() == 1
