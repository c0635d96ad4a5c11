"""The Ingestor on the in-memory bus: what lands where, with which key and headers."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from services.ingest import Accepted, FieldError, Ingestor, Rejected, Submission
from services.ingest.ingestor import DeliveryFailed
from shared.kafka.memory import MemoryBroker, MemoryProducer
from shared.schemas.shipment import Shipment

TOPIC, DLQ = "shipments.ingested.v1", "ingest.dlq"
NOW = datetime(2024, 2, 23, 12, 0, tzinfo=UTC)


def ingestor(broker: MemoryBroker) -> tuple[Ingestor, MemoryProducer]:
    producer = MemoryProducer(broker)
    return Ingestor(producer, topic=TOPIC, dlq_topic=DLQ, clock=lambda: NOW), producer


def submission(value: object, origin: tuple[tuple[str, str], ...] = ()) -> Submission:
    return Submission(value, json.dumps(value).encode(), origin)


GOOD = {"shipment_id": "A1", "source": "kcs", "parties": [{"role": "buyer", "name": "AURUS LLC"}]}


def test_accepted_records_land_keyed_and_stamped() -> None:
    broker = MemoryBroker()
    ing, _ = ingestor(broker)
    outcomes = ing.ingest([submission(GOOD), submission({**GOOD, "shipment_id": "A2"})])
    assert outcomes == [Accepted("kcs:A1"), Accepted("kcs:A2")]
    records = broker.records(TOPIC)
    assert sorted(r.key or b"" for r in records) == [b"kcs:A1", b"kcs:A2"]
    for record in records:
        assert record.header("tw.ingested_at") == NOW.isoformat().encode()
        assert Shipment.model_validate_json(record.value or b"").key == (record.key or b"").decode()
    assert broker.records(DLQ) == []


def test_rejected_records_go_to_the_dlq_as_sent_with_the_reason() -> None:
    broker = MemoryBroker()
    ing, _ = ingestor(broker)
    bad = {
        "shipment_id": "B1",
        "source": "kcs",
        "parties": [{"role": "buyer", "name": "X", "country": "Atlantis"}],
    }
    original = (
        b'{"shipment_id":"B1",  "source":"kcs",'
        b'"parties":[{"role":"buyer","name":"X","country":"Atlantis"}]}'
    )
    outcomes = ing.ingest(
        [Submission(bad, original, (("origin", "file"), ("line", "7"))), submission(GOOD)]
    )
    assert isinstance(outcomes[0], Rejected) and outcomes[1] == Accepted("kcs:A1")
    assert outcomes[0].key == "kcs:B1"
    assert [e.where for e in outcomes[0].errors] == ["parties.0.country"]
    [dead] = broker.records(DLQ)
    assert dead.value == original
    assert dead.key == b"kcs:B1"
    assert dead.header("tw.dlq.error_type") == b"unknown_country"
    assert dead.header("tw.dlq.line") == b"7"
    assert dead.header("tw.dlq.origin") == b"file"
    assert b"parties.0.country: unknown country 'Atlantis'" in (dead.header("tw.dlq.reason") or b"")
    assert [r.key for r in broker.records(TOPIC)] == [b"kcs:A1"]


def test_a_record_that_failed_to_decode_is_dead_lettered_without_a_key() -> None:
    broker = MemoryBroker()
    ing, _ = ingestor(broker)
    failure = FieldError((), "not JSON", "invalid_json")
    [outcome] = ing.ingest([Submission(None, b"{oops", (), (failure,))])
    assert outcome == Rejected([failure])
    [dead] = broker.records(DLQ)
    assert (dead.key, dead.value, dead.header("tw.dlq.error_type")) == (
        None,
        b"{oops",
        b"invalid_json",
    )


def test_default_source_applies_to_records_without_one() -> None:
    broker = MemoryBroker()
    ing, _ = ingestor(broker)
    record = {k: v for k, v in GOOD.items() if k != "source"}
    assert ing.ingest([submission(record)], "file") == [Accepted("file:A1")]


def test_an_unacknowledged_send_raises_instead_of_answering() -> None:
    broker = MemoryBroker()
    ing, producer = ingestor(broker)
    producer.fail_next = TimeoutError("broker gone")
    with pytest.raises(DeliveryFailed, match="broker gone"):
        ing.ingest([submission(GOOD)])


def test_a_record_too_large_for_the_broker_is_rejected_and_its_dead_letter_cut() -> None:
    broker = MemoryBroker()
    producer = MemoryProducer(broker)
    ing = Ingestor(producer, topic=TOPIC, dlq_topic=DLQ, max_record_bytes=40_000)
    huge = {**GOOD, "goods": [{"description": "d" * 4000}] * 20}
    original = json.dumps(huge).encode()
    [outcome] = ing.ingest([Submission(huge, original)])
    assert isinstance(outcome, Rejected) and outcome.error_type == "record_too_large"
    [dead] = broker.records(DLQ)
    assert dead.value is not None and original.startswith(dead.value)
    assert len(dead.value) <= 40_000
    assert dead.header("tw.dlq.truncated_from_bytes") == str(len(original)).encode()
    assert broker.records(TOPIC) == []
