"""Screened shipments into alerts, on a real (SQLite) database: idempotency, updates, rescreens,
suppressions, delisting, transitions and the counterparty look-back."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from services.alerting import mark_delisted, process_batch, process_screened, transition_alert
from services.alerting.repository import shipments
from services.alerting.rules_config import AlertRules
from services.alerting.workflow import Actor, TransitionRefused
from shared.db.models import (
    Alert,
    AlertHistory,
    AlertOutbox,
    ListEntry,
    ListVersion,
    Suppression,
    SuppressionHit,
)
from shared.schemas import AlertEvent, ScreenedShipment

Screened = Callable[..., ScreenedShipment]
Match = Callable[..., dict[str, Any]]
Sessions = sessionmaker[Session]
NOW = datetime(2024, 2, 23, 10, 0, 5, tzinfo=UTC)
RULES = AlertRules()


def run(sessions: Sessions, record: ScreenedShipment, now: datetime = NOW, **kw: Any) -> Any:
    with sessions.begin() as session:
        return process_screened(session, record, RULES, now, **kw)


def events(sessions: Sessions) -> list[AlertEvent]:
    with sessions() as session:
        rows = session.scalars(select(AlertOutbox).order_by(AlertOutbox.outbox_id))
        return [AlertEvent.model_validate_json(r.payload) for r in rows]


def alerts(sessions: Sessions) -> list[Alert]:
    with sessions() as session:
        return list(session.scalars(select(Alert)))


def test_the_same_screening_twice_makes_one_alert_and_one_raised_event(
    sessions: Sessions, screened: Screened
) -> None:
    first = run(sessions, screened())
    second = run(sessions, screened(), now=NOW + timedelta(minutes=5))
    assert len(first.raised) == 1 and second.raised == [] and second.events == []
    [alert] = alerts(sessions)
    assert (alert.status, alert.severity, alert.reason) == ("open", "high", "match")
    assert alert.raised_at == NOW
    [event] = events(sessions)
    assert (event.event, event.alert_id, event.status) == ("raised", alert.alert_id, "open")
    assert event.matches[0].party_name == "AURUS LLC"
    with sessions() as session:
        assert [h.action for h in session.scalars(select(AlertHistory))] == ["raised"]


def test_changed_evidence_updates_the_alert_and_emits_updated(
    sessions: Sessions, screened: Screened, match: Match
) -> None:
    run(sessions, screened())
    later = NOW + timedelta(hours=1)
    record = screened(
        screened_at=NOW + timedelta(minutes=1),
        matches=[match(score=1.0, identifier_match=True, explanation="tax_id agrees")],
    )
    outcome = run(sessions, record, now=later)
    assert outcome.raised == [] and len(outcome.events) == 1
    [alert] = alerts(sessions)
    assert (alert.severity, alert.score, alert.reason) == ("critical", 1.0, "match")
    assert alert.raised_at == NOW and alert.updated_at == later
    raised, updated = events(sessions)
    assert (raised.event, updated.event) == ("raised", "updated")
    assert updated.severity == "critical" and "severity" in (updated.note or "")
    assert updated.event_id != raised.event_id


def test_an_older_screening_redelivered_after_a_newer_one_changes_nothing(
    sessions: Sessions, screened: Screened, match: Match
) -> None:
    run(sessions, screened(screened_at=NOW, matches=[match(score=0.99)]))
    stale = run(sessions, screened(screened_at=NOW - timedelta(hours=1), matches=[match()]))
    assert stale.stale and stale.events == []
    assert alerts(sessions)[0].score == 0.99


def test_a_rescreen_never_raises_an_existing_alert_again_and_new_matches_are_newly_listed(
    sessions: Sessions, screened: Screened, match: Match
) -> None:
    run(sessions, screened())
    again = run(sessions, screened(rescreen=True, screened_at=NOW + timedelta(days=1)))
    assert again.raised == [] and again.events == []
    fresh = screened(
        rescreen=True,
        screened_at=NOW + timedelta(days=2),
        shipper_matches=[match(entry_id="51234", entry_name="KYUNGKI INDUSTRIAL CO")],
    )
    outcome = run(sessions, fresh)
    assert [(r.reason, r.list_id) for r in outcome.raised] == [("newly_listed", "us-ofac-sdn")]


def test_in_a_rescreen_an_entry_unchanged_since_the_last_screening_is_not_newly_listed(
    sessions: Sessions, screened: Screened, match: Match
) -> None:
    run(sessions, screened(matches=[]))
    with sessions.begin() as session:
        _load_entry(session, "us-ofac-sdn", "47956", loaded_at=NOW - timedelta(days=30))
    outcome = run(sessions, screened(rescreen=True, screened_at=NOW + timedelta(days=1)))
    assert [r.reason for r in outcome.raised] == ["match"]


def _load_entry(session: Session, list_id: str, entry_id: str, loaded_at: datetime) -> None:
    version = ListVersion(
        list_id=list_id,
        seq=1,
        version="v1",
        format="test",
        source="test",
        checksum="c" * 64,
        loaded_at=loaded_at,
        entry_count=1,
        added_count=1,
        changed_count=0,
        removed_count=0,
        problem_count=0,
        problems=[],
        orphans={},
    )
    session.add(version)
    session.flush()
    session.add(
        ListEntry(
            list_id=list_id,
            entry_id=entry_id,
            kind="organization",
            name="LIMITED LIABILITY COMPANY AURUS",
            content_hash="h1",
            entry={"name": "LIMITED LIABILITY COMPANY AURUS", "programs": ["RUSSIA-EO14024"]},
            version_id=version.id,
        )
    )


def _suppress(session: Session, fingerprint: str | None, **fields: Any) -> None:
    session.add(
        Suppression(
            suppression_id=fields.get("suppression_id", "s1"),
            list_id="us-ofac-sdn",
            entry_id="47956",
            name=fields.get("name"),
            name_norm=fields.get("name_norm"),
            identifier_type=fields.get("identifier_type"),
            identifier_value=fields.get("identifier_value"),
            reason="known customer, checked",
            entry_fingerprint=fingerprint,
            created_by_key="k1",
            created_by="alice",
            created_at=NOW - timedelta(days=1),
            expires_at=NOW + timedelta(days=30),
        )
    )


def test_a_suppressed_match_is_recorded_not_alerted(sessions: Sessions, screened: Screened) -> None:
    with sessions.begin() as session:
        _load_entry(session, "us-ofac-sdn", "47956", NOW - timedelta(days=3))
        _suppress(session, "h1", identifier_type="tax_id", identifier_value="7743237789")
    outcome = run(sessions, screened())
    assert outcome.raised == [] and outcome.suppressed == 1
    assert alerts(sessions) == [] and events(sessions) == []
    with sessions() as session:
        hit = session.scalars(select(SuppressionHit)).one()
    assert (hit.suppression_id, hit.party_index) == ("s1", 1)


def test_a_suppression_stops_when_the_list_entry_changes(
    sessions: Sessions, screened: Screened
) -> None:
    with sessions.begin() as session:
        _load_entry(session, "us-ofac-sdn", "47956", NOW - timedelta(days=3))
        _suppress(session, "an older content hash", name="AURUS LLC", name_norm="aurus llc")
    outcome = run(sessions, screened())
    assert len(outcome.raised) == 1 and outcome.suppressed == 0


def test_delisting_emits_updated_on_open_alerts_and_keeps_them_open(
    sessions: Sessions, screened: Screened
) -> None:
    run(sessions, screened(shipment_id="A"))
    run(sessions, screened(shipment_id="B"))
    [closed] = [a for a in alerts(sessions) if a.shipment_id == "B"]
    with sessions.begin() as session:
        transition_alert(
            session, closed.alert_id, to="dismissed", actor=Actor("k", "bob"), comment="fp", now=NOW
        )
    with sessions.begin() as session:
        delisted = mark_delisted(session, "us-ofac-sdn", "47956", NOW + timedelta(days=9))
    assert [(e.event, e.note, e.status, e.shipment_id) for e in delisted] == [
        ("updated", "delisted", "open", "A")
    ]
    with sessions.begin() as session:
        assert mark_delisted(session, "us-ofac-sdn", "47956", NOW + timedelta(days=10)) == []
    assert events(sessions)[-1].note == "delisted"


def test_transitions_record_who_and_four_eyes_holds(sessions: Sessions, screened: Screened) -> None:
    run(sessions, screened())
    [alert] = alerts(sessions)
    alice, bob = Actor("k-a", "alice"), Actor("k-b", "bob")
    for to, who in (("in_review", alice), ("escalated", alice)):
        with sessions.begin() as session:
            transition_alert(session, alert.alert_id, to=to, actor=who, comment=None, now=NOW)
    with pytest.raises(TransitionRefused), sessions.begin() as session:
        transition_alert(
            session, alert.alert_id, to="confirmed", actor=alice, comment=None, now=NOW
        )
    with sessions.begin() as session:
        transition_alert(session, alert.alert_id, to="confirmed", actor=bob, comment="ok", now=NOW)
    with sessions() as session:
        history = list(session.scalars(select(AlertHistory).order_by(AlertHistory.history_id)))
    assert [(h.action, h.actor, h.to_status) for h in history] == [
        ("raised", "system", "open"),
        ("transition", "alice", "in_review"),
        ("transition", "alice", "escalated"),
        ("transition", "bob", "confirmed"),
    ]
    assert [e.status for e in events(sessions)] == ["open", "in_review", "escalated", "confirmed"]


def test_counterparties_of_a_look_back_window_are_one_indexed_query(
    sessions: Sessions, screened: Screened
) -> None:
    run(sessions, screened(shipment_id="old", declared_at=NOW - timedelta(days=200)))
    run(sessions, screened(shipment_id="new", declared_at=NOW - timedelta(days=10)))
    run(sessions, screened(shipment_id="nodate", declared_at=None, consignee="OOO AURUS"))
    with sessions() as session:
        recent = shipments.counterparties_seen_since(session, NOW - timedelta(days=90))
        names = sorted(c.name for c in recent)
        ids = [c.counterparty_id for c in recent]
        linked = shipments.shipments_of_counterparties(session, ids, NOW - timedelta(days=90))
    assert names == ["AURUS LLC", "KYUNGKI INDUSTRIAL CO., LTD.", "OOO AURUS"]
    assert sorted({p.shipment_key for p in linked}) == ["kr-customs:new", "kr-customs:nodate"]
    assert json.dumps(recent[0].identifiers) in ('{"tax_id": "7743237789"}', "{}")


def test_in_one_batch_the_newest_screening_of_a_shipment_wins(
    sessions: Sessions, screened: Screened, match: Match
) -> None:
    newer = screened(screened_at=NOW, matches=[match(score=0.99)])
    older = screened(screened_at=NOW - timedelta(hours=1), matches=[match(score=0.85)])
    other = screened(shipment_id="other")
    with sessions.begin() as session:
        outcomes = process_batch(session, [newer, older, other, newer], RULES, NOW)
    assert [o.stale for o in outcomes] == [True, True, False, False]
    assert [len(o.raised) for o in outcomes] == [0, 0, 1, 1]
    assert sorted((a.shipment_id, a.score) for a in alerts(sessions)) == [
        ("KR-EXP-2024-000731", 0.99),
        ("other", 0.97),
    ]
    assert [e.shipment_id for e in events(sessions)] == ["other", "KR-EXP-2024-000731"]
