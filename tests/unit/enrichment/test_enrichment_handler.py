"""The batch handler: decode, screen every party, risk flags, encode; poison and transient."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from services.enrichment.chpl import load_chpl
from services.enrichment.country_risk import load_country_risk
from services.enrichment.handler import (
    HandlerConfig,
    ShipmentScreener,
    make_handler,
    parse_ingested_at,
)
from services.enrichment.index import Change, WatchlistIndex
from services.enrichment.watchlist_follower import WatchlistNotReady
from shared.kafka.loop import BatchHandler, ConsumerLoop, LoopConfig
from shared.kafka.memory import MemoryBroker, MemoryConsumer, MemoryProducer
from shared.kafka.records import Output, Record
from shared.schemas import ScreenedShipment, WatchlistEntry
from tests.unit.enrichment.fakes import ExactNameMatcher

NOW = datetime(2024, 2, 23, 10, 0, 1, tzinfo=UTC)
OUT = "shipments.screened.v1"


AURUS = WatchlistEntry(
    list_id="us-ofac-sdn",
    entry_id="47956",
    kind="organization",
    name="AURUS LLC",
    programs=["RUSSIA-EO14024"],
    list_version="2024-02-23-3f9a1c",
    published_at=datetime(2024, 2, 23, 15, tzinfo=UTC),
)


@pytest.fixture
def matcher() -> ExactNameMatcher:
    return ExactNameMatcher()


@pytest.fixture
def handler(matcher: ExactNameMatcher) -> BatchHandler:
    index = WatchlistIndex(matcher)
    index.apply([Change(AURUS.list_id, AURUS.entry_id, AURUS)])
    screener = ShipmentScreener(
        index, load_chpl(), load_country_risk(), HandlerConfig(output_topic=OUT), lambda: NOW
    )
    return make_handler(screener, lambda: None)


def shipment(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "shipment_id": "KR-EXP-2024-000731",
        "source": "kr-customs",
        "origin_country": "KR",
        "destination_country": "RU",
        "parties": [
            {"role": "shipper", "name": "KYUNGKI INDUSTRIAL CO., LTD.", "country": "KR"},
            {
                "role": "consignee",
                "name": "AURUS LLC",
                "country": "RU",
                "identifiers": {"tax_id": "7743237789"},
            },
        ],
        "goods": [{"hs_code": "870830"}],
        "customs_office": "Incheon",
    }
    data.update(fields)
    return data


def record(
    value: bytes | None, offset: int = 0, headers: list[tuple[str, bytes]] | None = None
) -> Record:
    return Record(
        "shipments.ingested.v1", 0, offset, b"kr-customs:KR-EXP-2024-000731", value, headers or []
    )


def screened(output: Output) -> ScreenedShipment:
    assert output.value is not None
    return ScreenedShipment.model_validate_json(output.value)


def test_a_shipment_comes_out_screened_keyed_like_the_input(handler: BatchHandler) -> None:
    headers = [("tw.ingested_at", b"2024-02-23T10:00:00Z"), ("other", b"x")]
    result = handler([record(orjson.dumps(shipment()), headers=headers)])
    assert result.rejected == []
    (output,) = result.outputs
    assert output.topic == OUT
    assert output.key == "kr-customs:KR-EXP-2024-000731"
    assert output.headers == [("tw.ingested_at", b"2024-02-23T10:00:00Z")]
    out = screened(output)
    assert out.ingested_at == datetime(2024, 2, 23, 10, tzinfo=UTC)
    assert out.screening.screened_at == NOW
    assert out.shipment.extra == {"customs_office": "Incheon"}  # unknown fields kept
    shipper, consignee = out.screening.parties
    assert (shipper.party_index, shipper.role, shipper.matches) == (0, "shipper", [])
    assert (consignee.party_index, consignee.name) == (1, "AURUS LLC")
    assert [(m.list_id, m.entry_id) for m in consignee.matches] == [("us-ofac-sdn", "47956")]
    assert consignee.matches[0].identifier_match
    assert out.screening.list_versions == {"us-ofac-sdn": "2024-02-23-3f9a1c"}
    assert [f.code for f in out.screening.risk_flags] == ["sanctioned_destination"]


def test_the_json_on_the_wire_uses_the_contract_names(handler: BatchHandler) -> None:
    (output,) = handler([record(orjson.dumps(shipment()))]).outputs
    data = orjson.loads(output.value or b"")
    match = data["screening"]["parties"][1]["matches"][0]
    assert match["list"] == "us-ofac-sdn" and "list_id" not in match
    assert data["ingested_at"] is None


@pytest.mark.parametrize(
    ("value", "error_type"),
    [
        (None, "empty_value"),
        (b"{not json", "undecodable"),
        (b"[1, 2]", "schema_invalid"),
        (orjson.dumps(shipment(parties=[])), "schema_invalid"),
        (orjson.dumps(shipment(destination_country="Russia")), "schema_invalid"),
    ],
)
def test_poison_is_rejected_alone_and_the_rest_of_the_batch_goes_on(
    handler: BatchHandler, value: bytes | None, error_type: str
) -> None:
    good = orjson.dumps(shipment())
    result = handler([record(good, 0), record(value, 1), record(good, 2)])
    assert len(result.outputs) == 2
    (rejected,) = result.rejected
    assert rejected.record.offset == 1
    assert rejected.error_type == error_type
    assert rejected.reason


def test_a_shipment_the_matcher_fails_on_is_poison(
    handler: BatchHandler, matcher: ExactNameMatcher
) -> None:
    matcher.fail_on = "AURUS LLC"
    result = handler([record(orjson.dumps(shipment()))])
    assert result.outputs == []
    assert result.rejected[0].error_type == "screening_failed"
    assert "matcher bug" in result.rejected[0].reason


def test_an_index_not_yet_built_is_transient_and_nothing_is_committed() -> None:
    def not_ready() -> None:
        raise WatchlistNotReady("still loading")

    index = WatchlistIndex(ExactNameMatcher())
    screener = ShipmentScreener(
        index, load_chpl(), load_country_risk(), HandlerConfig(output_topic=OUT), lambda: NOW
    )
    broker = MemoryBroker()
    producer = MemoryProducer(broker)
    producer.send(Output("shipments.ingested.v1", "k", orjson.dumps(shipment())))
    loop = ConsumerLoop(
        MemoryConsumer(broker, "enrichment"),
        producer,
        make_handler(screener, not_ready),
        LoopConfig("enrichment", ["shipments.ingested.v1"], "enrichment.dlq", retry_attempts=2),
        sleep=lambda s: None,
    )
    with pytest.raises(WatchlistNotReady):
        loop.run(max_batches=1)
    assert broker.committed("enrichment") == {}
    assert broker.records(OUT) == [] and broker.records("enrichment.dlq") == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"2024-02-23T10:00:00Z", datetime(2024, 2, 23, 10, tzinfo=UTC)),
        (b"2024-02-23T12:00:00+02:00", datetime(2024, 2, 23, 10, tzinfo=UTC)),
        (b"1708682400000", datetime(2024, 2, 23, 10, tzinfo=UTC)),
        (b"2024-02-23T10:00:00", None),  # naive: unknown zone, not guessed
        (b"yesterday", None),
        (b"", None),
        (None, None),
    ],
)
def test_parse_ingested_at(raw: bytes | None, expected: datetime | None) -> None:
    assert parse_ingested_at(raw) == expected


def test_a_screened_shipment_too_large_for_the_broker_is_poison(handler: BatchHandler) -> None:
    # Under the limit on the way in, over it once the screening is added: the broker would
    # refuse it, so it goes to the DLQ instead of failing every later send.
    big = shipment(goods=[{"hs_code": "870830", "description": "x" * 4000}] * 247)
    value = orjson.dumps(big)
    assert len(value) < 1_000_000
    result = handler([record(value)])
    assert result.outputs == []
    assert result.rejected[0].error_type == "record_too_large"
