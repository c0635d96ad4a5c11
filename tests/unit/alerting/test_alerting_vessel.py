"""A match of the shipment's vessel alerts like a party's: rules, storage and events, dedupe,
updates, suppressions and evidence (SQLite)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from services.alerting import process_screened
from services.alerting.api.views import alert_detail
from services.alerting.rules import VESSEL_INDEX, evaluate, inconsistencies
from services.alerting.rules_config import AlertRules
from services.alerting.screened import InvalidScreening
from shared.db.models import Alert, AlertOutbox, StoredShipment, Suppression, SuppressionHit
from shared.schemas import AlertEvent, ScreenedShipment, alert_id

Screened = Callable[..., ScreenedShipment]
Match = Callable[..., dict[str, Any]]
Sessions = sessionmaker[Session]
NOW = datetime(2024, 4, 2, 6, 15, 5, tzinfo=UTC)
RULES = AlertRules()
ARTAVIL_VESSEL = {"name": "OCEAN PEARL", "imo": "9187629"}


@pytest.fixture
def artavil(match: Match) -> Callable[..., dict[str, Any]]:
    """`artavil(score=...)`: a match of SDN vessel 15036 (ARTAVIL, IMO 9187629)."""

    def build(score: float = 1.0, identifier_match: bool = True) -> dict[str, Any]:
        return match(
            entry_id="15036",
            entry_name="ARTAVIL",
            score=score,
            programs=("IRAN",),
            identifier_match=identifier_match,
            explanation="identifier imo 9187629 agrees exactly (decisive)",
        )

    return build


def on_artavil(screened: Screened, artavil: Callable[..., dict[str, Any]], **kw: Any) -> Any:
    """A shipment whose parties match nothing, carried on a vessel that matches ARTAVIL."""
    return screened(
        matches=[], vessel=ARTAVIL_VESSEL, vessel_matches=[artavil(**kw)], shipment_id="V-1"
    )


def run(sessions: Sessions, record: ScreenedShipment, now: datetime = NOW) -> Any:
    with sessions.begin() as session:
        return process_screened(session, record, RULES, now)


def events(sessions: Sessions) -> list[AlertEvent]:
    with sessions() as session:
        rows = session.scalars(select(AlertOutbox).order_by(AlertOutbox.outbox_id))
        return [AlertEvent.model_validate_json(r.payload) for r in rows]


# rules (pure) ------------------------------------------------------------------------------


def test_a_vessel_match_at_the_threshold_raises_one_alert_for_the_vessel(
    screened: Screened, artavil: Callable[..., dict[str, Any]]
) -> None:
    [decision] = evaluate(on_artavil(screened, artavil), RULES).alerts
    assert decision.alert_id == alert_id("kr-customs:V-1", "us-ofac-sdn", "15036")
    assert (decision.reason, decision.severity) == ("identifier_match", "critical")
    [matched] = decision.matches
    assert (matched.party_index, matched.role, matched.name) == (
        VESSEL_INDEX,
        "vessel",
        "OCEAN PEARL",
    )
    below = on_artavil(screened, artavil, score=0.79, identifier_match=False)
    assert evaluate(below, AlertRules(default_threshold=0.80)).alerts == ()


def test_a_vessel_without_a_name_is_named_by_its_imo_number(
    screened: Screened, artavil: Callable[..., dict[str, Any]]
) -> None:
    record = screened(matches=[], vessel={"imo": "9187629"}, vessel_matches=[artavil()])
    [decision] = evaluate(record, RULES).alerts
    assert decision.matches[0].name == "IMO 9187629"


def test_a_vessel_screening_must_be_of_the_shipment_s_vessel(
    screened: Screened, artavil: Callable[..., dict[str, Any]]
) -> None:
    record = on_artavil(screened, artavil)
    assert inconsistencies(record) == []
    other = record.shipment.model_copy(update={"vessel": None})
    assert inconsistencies(record.model_copy(update={"shipment": other})) != []
    assert record.shipment.vessel is not None
    renamed = record.shipment.vessel.model_copy(update={"imo": "9310044"})
    changed = record.shipment.model_copy(update={"vessel": renamed})
    assert inconsistencies(record.model_copy(update={"shipment": changed})) != []


# storage, events, dedupe, updates, suppressions (SQLite) -----------------------------------


def test_a_vessel_match_raises_one_alert_whose_event_names_the_vessel_and_twice_is_once(
    sessions: Sessions, screened: Screened, artavil: Callable[..., dict[str, Any]]
) -> None:
    first = run(sessions, on_artavil(screened, artavil))
    again = run(sessions, on_artavil(screened, artavil), NOW + timedelta(minutes=5))
    assert len(first.raised) == 1 and again.raised == [] and again.events == []
    [event] = events(sessions)
    assert (event.event, event.reason, event.severity) == ("raised", "identifier_match", "critical")
    [match] = event.matches
    assert (match.party_role, match.party_name) == ("vessel", "OCEAN PEARL")
    assert (match.list_id, match.entry_id, match.entry_name) == ("us-ofac-sdn", "15036", "ARTAVIL")


def test_a_changed_vessel_match_updates_its_alert(
    sessions: Sessions, screened: Screened, artavil: Callable[..., dict[str, Any]]
) -> None:
    run(sessions, on_artavil(screened, artavil, score=0.9, identifier_match=False))
    later = on_artavil(screened, artavil).model_copy(deep=True)
    later.screening.screened_at += timedelta(minutes=1)
    outcome = run(sessions, later, NOW + timedelta(minutes=1))
    assert [e.event for e in outcome.events] == ["updated"]
    with sessions() as session:
        alert = session.scalars(select(Alert)).one()
    assert [(m["party_index"], m["score"]) for m in alert.matches] == [(VESSEL_INDEX, 1.0)]


def test_a_suppression_by_imo_number_keeps_the_vessel_match_from_alerting(
    sessions: Sessions, screened: Screened, artavil: Callable[..., dict[str, Any]]
) -> None:
    with sessions.begin() as session:
        session.add(
            Suppression(
                suppression_id="s-imo",
                list_id="us-ofac-sdn",
                entry_id="15036",
                identifier_type="imo",
                identifier_value="9187629",
                reason="another hull, checked with the registry",
                entry_fingerprint=None,
                created_by_key="k1",
                created_by="alice",
                created_at=NOW - timedelta(days=1),
                expires_at=NOW + timedelta(days=30),
            )
        )
    outcome = run(sessions, on_artavil(screened, artavil))
    assert outcome.raised == [] and outcome.suppressed == 1 and events(sessions) == []
    with sessions() as session:
        hit = session.scalars(select(SuppressionHit)).one()
    assert (hit.suppression_id, hit.party_index) == ("s-imo", VESSEL_INDEX)


def test_the_alert_evidence_shows_the_vessel_as_on_the_document(
    sessions: Sessions, screened: Screened, artavil: Callable[..., dict[str, Any]]
) -> None:
    run(sessions, on_artavil(screened, artavil))
    with sessions() as session:
        alert = session.scalars(select(Alert)).one()
        stored = session.get(StoredShipment, "kr-customs:V-1")
        detail = alert_detail(alert, stored, None)
    assert detail.evidence.parties == [
        {"party_index": VESSEL_INDEX, "role": "vessel", "name": "OCEAN PEARL", "imo": "9187629"}
    ]


def test_a_vessel_screening_of_another_vessel_is_refused(
    sessions: Sessions, screened: Screened, artavil: Callable[..., dict[str, Any]]
) -> None:
    record = on_artavil(screened, artavil)
    record = record.model_copy(
        update={"shipment": record.shipment.model_copy(update={"vessel": None})}
    )
    with pytest.raises(InvalidScreening), sessions.begin() as session:
        process_screened(session, record, RULES, NOW)
