"""Distinct counterparties against a delta, and the merge into a stored screening (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.rescreen import Counterparty, Delta, DeltaMatcher, StoredScreening, rescreened
from services.rescreen.parallel import ParallelMatcher
from shared.schemas import Match, ScreenedShipment, Vessel, VesselScreening

LIST_ID = "tw-test"
T0 = datetime(2024, 2, 21, 9, 0, tzinfo=UTC)
Entries = dict[str, dict[str, Any]]


@pytest.fixture(name="delta")
def delta_fixture(entries: Entries, make_entry: Any) -> Delta:
    """Version v2-abc adds Aurus (47956) and removes 1002."""
    return Delta(LIST_ID, "v2-abc", 2, (make_entry(entries["aurus"], "v2-abc"),), ("1002",))


@pytest.fixture(name="screened")
def screened_fixture(make_shipment: Any) -> ScreenedShipment:
    found: ScreenedShipment = make_shipment("S1", screened_at=T0)
    return found


def counterparty(name: str, country: str | None = None, **ids: str) -> Counterparty:
    return Counterparty(f"cp-{name}", name, country, ids)


def test_a_counterparty_written_as_on_documents_matches_the_new_entry(delta: Delta) -> None:
    matcher = DeltaMatcher(delta)
    for party in (
        counterparty("AURUS LLC", "RU"),
        counterparty("OOO AURUS"),
        counterparty("ООО «АУРУС»", "RU"),
        counterparty("A.U.R.U.S. TRADING", None, tax_id="7743237789"),
    ):
        found = matcher.screen(party)
        assert [m.entry_id for m in found] == ["47956"], party.name
        assert found[0].list_id == LIST_ID and found[0].programs == ["RUSSIA-EO14024"]


def test_the_tax_id_alone_is_decisive(delta: Delta) -> None:
    [found] = DeltaMatcher(delta).screen(counterparty("UNRELATED NAME CO", tax_id="7743-237-789"))
    assert found.identifier_match and found.score == 1.0


def test_unrelated_counterparties_do_not_hit(delta: Delta) -> None:
    parties = [
        counterparty("KYUNGKI INDUSTRIAL CO., LTD.", "KR"),
        counterparty("AURUS LLC", "RU"),
        counterparty("HANSEO MERIDIAN LOGISTICS", "KR"),
    ]
    hits = dict(DeltaMatcher(delta).hits(parties))
    assert list(hits) == ["cp-AURUS LLC"]


def test_an_empty_delta_matches_nothing() -> None:
    matcher = DeltaMatcher(Delta(LIST_ID, "v3", 3, ()))
    assert len(matcher) == 0 and matcher.screen(counterparty("AURUS LLC", "RU")) == []


def _match(entry_id: str, score: float, list_id: str = LIST_ID) -> Match:
    return Match(
        list_id=list_id,
        entry_id=entry_id,
        entry_name=f"ENTRY {entry_id}",
        matched_name=f"ENTRY {entry_id}",
        score=score,
        explanation="test",
    )


def test_merge_keeps_untouched_matches_drops_touched_ones_and_adds_the_hits(
    delta: Delta, screened: ScreenedShipment
) -> None:
    kept, removed, other_list = _match("1001", 0.75), _match("1002", 0.9), _match("7", 0.8, "un")
    stale_aurus = _match("47956", 0.71)
    screening = screened.screening.model_copy(
        update={
            "parties": [
                screened.screening.parties[0],
                screened.screening.parties[1].model_copy(
                    update={"matches": [removed, kept, stale_aurus, other_list]}
                ),
            ]
        }
    )
    stored = StoredScreening(screened.shipment, screening, screened.ingested_at)
    new = _match("47956", 0.98)
    out = rescreened(stored, {1: [new]}, delta, T0 + timedelta(days=2))

    assert out.screening.rescreen
    assert [p.party_index for p in out.screening.parties] == [0, 1]
    assert out.screening.parties[0].matches == []
    assert [(m.list_id, m.entry_id, m.score) for m in out.screening.parties[1].matches] == [
        (LIST_ID, "47956", 0.98),
        ("un", "7", 0.8),
        (LIST_ID, "1001", 0.75),
    ]
    assert out.screening.risk_flags == screened.screening.risk_flags
    assert out.screening.list_versions == {LIST_ID: "v2-abc"}
    assert out.screening.screened_at == T0 + timedelta(days=2)
    assert out.shipment == screened.shipment and out.ingested_at == screened.ingested_at


def test_the_rescreen_is_never_older_than_the_stored_screening(
    delta: Delta, screened: ScreenedShipment
) -> None:
    stored = StoredScreening(screened.shipment, screened.screening, screened.ingested_at)
    out = rescreened(stored, {1: [_match("47956", 1.0)]}, delta, T0 - timedelta(hours=1))
    assert out.screening.screened_at > T0


def test_a_party_missing_from_the_stored_screening_appears_only_with_hits(
    delta: Delta, screened: ScreenedShipment
) -> None:
    screening = screened.screening.model_copy(update={"parties": []})
    stored = StoredScreening(screened.shipment, screening, None)
    out = rescreened(stored, {1: [_match("47956", 1.0)]}, delta, T0)
    assert [(p.party_index, p.role) for p in out.screening.parties] == [(1, "consignee")]


def test_the_vessel_keeps_its_matches_on_untouched_entries_and_is_not_screened_again(
    delta: Delta, screened: ScreenedShipment
) -> None:
    kept, removed = _match("1001", 0.9), _match("1002", 1.0)
    vessel = VesselScreening(name="ORION", imo="9187629", matches=[removed, kept])
    shipment = screened.shipment.model_copy(update={"vessel": Vessel(name="ORION", imo="9187629")})
    screening = screened.screening.model_copy(update={"vessel": vessel})
    stored = StoredScreening(shipment, screening, None)
    out = rescreened(stored, {1: [_match("47956", 1.0)]}, delta, T0 + timedelta(days=2))
    assert out.screening.vessel == vessel.model_copy(update={"matches": [kept]})
    unscreened = StoredScreening(screened.shipment, screened.screening, None)
    assert rescreened(unscreened, {}, delta, T0).screening.vessel is None


def test_a_vessel_newly_listed_gains_its_match_and_a_company_of_its_name_does_not_count(
    entries: Entries, make_entry: Any, screened: ScreenedShipment
) -> None:
    ship = make_entry(
        {
            "entry_id": "47714",
            "kind": "vessel",
            "name": "ALIREZA 1",
            "identifiers": [{"type": "imo", "value": "6703769"}],
        },
        "v2-abc",
    )
    delta = Delta(LIST_ID, "v2-abc", 2, (make_entry(entries["aurus"], "v2-abc"), ship), ())
    # The vessel is stored as a counterparty: screened as one, by its IMO number.
    [found] = DeltaMatcher(delta).screen(counterparty("NEW DAWN", imo="IMO 6703769"))
    assert (found.entry_id, found.identifier_match) == ("47714", True)
    on_ship = screened.shipment.model_copy(
        update={"vessel": Vessel(name="NEW DAWN", imo="6703769")}
    )
    stored = StoredScreening(on_ship, screened.screening, None)
    out = rescreened(stored, {-1: [found, _match("47956", 0.9)]}, delta, T0 + timedelta(days=2))
    assert out.screening.vessel == VesselScreening(name="NEW DAWN", imo="6703769", matches=[found])


def test_each_entry_of_a_larger_delta_matches_its_own_counterparty(
    entries: Entries, make_entry: Any
) -> None:
    delta = Delta(LIST_ID, "v2", 2, tuple(make_entry(e) for e in entries.values()))
    hits = dict(
        DeltaMatcher(delta).hits(
            [counterparty("Orion Zenith Maritime Co"), counterparty("Daejin Northern Star")]
        )
    )
    assert {cp: ms[0].entry_id for cp, ms in hits.items()} == {
        "cp-Orion Zenith Maritime Co": "1002",
        "cp-Daejin Northern Star": "1001",
    }


def test_worker_processes_find_exactly_what_one_process_finds(delta: Delta) -> None:
    """Spawned workers each build the matcher from the delta: same hits, in input order."""
    names = ["AURUS LLC", "KYUNGKI INDUSTRIAL CO., LTD.", "ООО «АУРУС»", "HANSEO LOGISTICS"] * 3
    parties = [Counterparty(f"cp{i}", name, "RU", {}) for i, name in enumerate(names)]
    parties.append(counterparty("NAMELESS", None, tax_id="7743237789"))
    expected = list(DeltaMatcher(delta).hits(parties))
    found = list(ParallelMatcher(delta, workers=2, chunk=3).hits(parties))
    assert found == expected
    assert [cp for cp, _ in found] == ["cp0", "cp2", "cp4", "cp6", "cp8", "cp10", "cp-NAMELESS"]
