"""The topic contract: every example validates, schemas export, models keep their promises."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from shared.schemas import AlertEvent, ScreenedShipment, Shipment, WatchlistEntry, alert_id
from shared.schemas.export import examples, export_schemas, json_schema
from shared.schemas.registry import (
    ALL_TOPICS,
    CONTRACT_TOPICS,
    SHIPMENTS_SCREENED,
    WATCHLIST_ENTRIES,
    topic_by_name,
)


@pytest.mark.parametrize("topic", CONTRACT_TOPICS, ids=lambda t: t.name)
def test_every_example_validates_and_round_trips(topic: object) -> None:
    from shared.schemas.registry import Topic

    assert isinstance(topic, Topic) and topic.model is not None
    found = examples(topic)
    assert found, f"{topic.name} has no examples"
    for example in found:
        model = topic.model.model_validate(example)
        again = topic.model.model_validate_json(model.model_dump_json())
        assert again == model


def test_schema_export_writes_one_schema_per_topic(tmp_path: Path) -> None:
    written = export_schemas(tmp_path)
    assert sorted(p.name for p in written) == sorted(
        f"{t.name}.schema.json" for t in CONTRACT_TOPICS
    )
    for path in written:
        schema = json.loads(path.read_text())
        assert schema["type"] == "object" and "properties" in schema


def test_wire_name_of_list_id_is_list() -> None:
    schema = json_schema(WATCHLIST_ENTRIES)
    assert "list" in schema["properties"] and "list_id" not in schema["properties"]
    entry = WatchlistEntry.model_validate(examples(WATCHLIST_ENTRIES)[0])
    assert json.loads(entry.model_dump_json())["list"] == "us-ofac-sdn"
    assert entry.key == "us-ofac-sdn:47956"


def test_watchlist_topic_is_compacted_and_names_are_unique() -> None:
    assert WATCHLIST_ENTRIES.cleanup_policy == "compact"
    names = [t.name for t in ALL_TOPICS]
    assert len(names) == len(set(names))
    assert topic_by_name("ingest.dlq").model is None


def test_shipment_keeps_unknown_fields_under_extra() -> None:
    shipment = Shipment.model_validate(
        {
            "shipment_id": "1",
            "source": "s",
            "parties": [{"role": "buyer", "name": "X"}],
            "customs_office": "ITGOA100",
        }
    )
    assert shipment.extra == {"customs_office": "ITGOA100"}
    assert shipment.key == "s:1"


@pytest.mark.parametrize(
    "bad",
    [
        {"source": "s", "parties": [{"role": "buyer", "name": "X"}]},
        {"shipment_id": "1", "source": "s", "parties": []},
        {"shipment_id": "1", "source": "s", "parties": [{"role": "pirate", "name": "X"}]},
        {"shipment_id": "1", "source": "s", "parties": [{"role": "buyer", "name": "  "}]},
        {
            "shipment_id": "1",
            "source": "s",
            "declared_at": "2024-02-21T09:30:00",
            "parties": [{"role": "buyer", "name": "X"}],
        },
        {"shipment_id": "1", "source": "a:b", "parties": [{"role": "buyer", "name": "X"}]},
        {
            "shipment_id": "1",
            "source": "s",
            "parties": [{"role": "buyer", "name": "X"}],
            "goods": [{"value": "NaN"}],
        },
    ],
)
def test_invalid_shipments_are_rejected(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Shipment.model_validate(bad)


def test_declared_at_is_normalised_to_utc() -> None:
    shipment = Shipment.model_validate(
        {
            "shipment_id": "1",
            "source": "s",
            "declared_at": "2024-02-21T09:30:00+09:00",
            "parties": [{"role": "buyer", "name": "X"}],
        }
    )
    assert shipment.declared_at is not None
    assert shipment.declared_at.isoformat() == "2024-02-21T00:30:00+00:00"


def test_alert_id_is_stable_and_distinct() -> None:
    first = alert_id("kr-customs:1", "us-ofac-sdn", "47956")
    assert first == alert_id("kr-customs:1", "us-ofac-sdn", "47956")
    assert first != alert_id("kr-customs:1", "us-ofac-sdn", "47957")
    event = AlertEvent.model_validate(examples(topic_by_name("alerts.v1"))[0])
    assert event.matches[0].list_id == "us-ofac-sdn"


def test_the_vessel_screening_is_optional_and_absent_from_the_json_when_there_is_none() -> None:
    without, carried = (ScreenedShipment.model_validate(e) for e in examples(SHIPMENTS_SCREENED))
    assert without.screening.vessel is None
    assert "vessel" not in json.loads(without.model_dump_json())["screening"]
    assert carried.screening.vessel is not None and carried.shipment.vessel is not None
    assert carried.screening.vessel.imo == carried.shipment.vessel.imo == "9187629"
    assert json.loads(carried.model_dump_json())["screening"]["vessel"]["matches"][0]["list"] == (
        "us-ofac-sdn"
    )
    screening = json_schema(SHIPMENTS_SCREENED)["$defs"]["Screening"]
    assert "vessel" in screening["properties"] and "vessel" not in screening.get("required", [])
