"""The shipment's vessel is screened as a vessel, by name and by IMO number, against the real SDN
list's vessels; a shipment without one comes out as before."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from services.enrichment.chpl import load_chpl
from services.enrichment.country_risk import load_country_risk
from services.enrichment.handler import HandlerConfig, ShipmentScreener
from services.enrichment.index import WatchlistIndex
from services.ingest.prepare import prepare
from shared.kafka.records import Record
from shared.schemas import Screening, Shipment, WatchlistEntry
from shared.screening import Screener
from tests.unit.enrichment.fakes import ExactNameMatcher

NOW = datetime(2024, 4, 2, 6, 15, 1, tzinfo=UTC)
ARTAVIL = ("us-ofac-sdn", "15036")
"""SDN vessel ARTAVIL (IRAN), "Vessel Registration Identification IMO 9187629" in its remarks."""
AURUS = ("us-ofac-sdn", "47956")


@pytest.fixture(scope="module")
def vessels_and_aurus(sdn_entries: list[WatchlistEntry]) -> Screener:
    """The SDN list's 851 vessels, and one company (AURUS) a vessel must not be taken for."""
    return Screener(e for e in sdn_entries if e.kind == "vessel" or e.entry_id == AURUS[1])


def shipment_screener(matcher: Any) -> ShipmentScreener:
    return ShipmentScreener(
        WatchlistIndex(matcher),
        load_chpl(),
        load_country_risk(),
        HandlerConfig(output_topic="shipments.screened.v1"),
        lambda: NOW,
    )


def shipment(vessel: dict[str, Any] | None, **fields: Any) -> Shipment:
    data: dict[str, Any] = {
        "shipment_id": "AE-EXP-2024-000112",
        "source": "ae-customs",
        "origin_country": "AE",
        "destination_country": "CN",
        "parties": [{"role": "shipper", "name": "GULF STAR PETROLEUM FZE", "country": "AE"}],
        **fields,
    }
    if vessel is not None:
        data["vessel"] = vessel
    return prepare(data)  # as ingest makes it: "IMO 9187629" on a document becomes "9187629"


def vessel_refs(screening: Screening) -> list[tuple[str, str]]:
    assert screening.vessel is not None
    return [(m.list_id, m.entry_id) for m in screening.vessel.matches]


@pytest.mark.parametrize("imo", ["9187629", "IMO9187629", "IMO 9187629"])
def test_a_vessel_renamed_on_the_document_is_found_by_its_imo_number(
    vessels_and_aurus: Screener, imo: str
) -> None:
    screening = shipment_screener(vessels_and_aurus).screen(
        shipment({"name": "OCEAN PEARL", "imo": imo})
    )
    assert screening.vessel is not None
    assert (screening.vessel.name, screening.vessel.imo) == ("OCEAN PEARL", "9187629")
    [best] = screening.vessel.matches
    assert (best.list_id, best.entry_id, best.entry_name) == (*ARTAVIL, "ARTAVIL")
    assert best.identifier_match and best.score == 1.0 and best.programs == ["IRAN"]
    assert screening.parties[0].matches == []


def test_a_listed_vessel_is_found_by_its_name_without_an_imo_number(
    vessels_and_aurus: Screener,
) -> None:
    screening = shipment_screener(vessels_and_aurus).screen(shipment({"name": "ARTAVIL"}))
    assert vessel_refs(screening)[0] == ARTAVIL
    assert screening.vessel is not None and screening.vessel.imo is None
    assert not screening.vessel.matches[0].identifier_match


def test_an_unlisted_vessel_is_screened_and_matches_nothing(vessels_and_aurus: Screener) -> None:
    screener = shipment_screener(vessels_and_aurus)
    assert vessel_refs(screener.screen(shipment({"name": "SINOKOR AKITA", "imo": "9310044"}))) == []
    # A vessel is read as a vessel: named like a listed company, it is not that company.
    named_like_aurus = shipment({"name": "LIMITED LIABILITY COMPANY AURUS"})
    assert AURUS not in vessel_refs(screener.screen(named_like_aurus))


def test_a_shipment_without_a_vessel_is_written_as_before_and_screens_only_its_parties() -> None:
    matcher = ExactNameMatcher()
    screener = shipment_screener(matcher)
    no_vessels: tuple[dict[str, Any] | None, ...] = (None, {})  # {}: neither name nor IMO
    for vessel in no_vessels:
        data = shipment(vessel).model_dump(mode="json", exclude_defaults=True)
        [output] = screener.handle(Record("in", 0, 0, b"k", orjson.dumps(data), []))
        assert output.value is not None
        assert "vessel" not in orjson.loads(output.value)["screening"]
    assert [name for name, _, _ in matcher.screened] == ["GULF STAR PETROLEUM FZE"]


def test_a_recurring_vessel_is_answered_from_the_cache_apart_from_a_party_of_its_name() -> None:
    matcher = ExactNameMatcher()
    screener = shipment_screener(matcher)
    vessel = {"name": "ARTAVIL", "imo": "9187629"}
    party = {"role": "carrier", "name": "ARTAVIL"}
    screener.screen(shipment(vessel, parties=[party]))
    screener.screen(shipment(vessel, parties=[party]))
    assert matcher.screened == [("ARTAVIL", None, None), ("ARTAVIL", None, {"imo": "9187629"})]
    assert matcher.kinds == [None, "vessel"]
