"""The whole rescreen in one process: lists loaded by the real loader, shipments stored and
alerts raised by alerting's own `process_batch`, on SQLite and the memory bus."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from services.alerting import AlertRules, process_batch
from services.rescreen import RescreenReport, load_delta, rescreen_delta
from shared.db.models import Alert, AlertOutbox
from shared.kafka.memory import MemoryBroker, MemoryProducer
from shared.schemas import AlertEvent, ScreenedShipment, alert_id
from shared.watchlists.report import LoadReport
from tradewatch_cli.main import main

LIST_ID = "tw-test"
SCREENED_TOPIC = "shipments.screened.v1"
T0 = datetime(2024, 2, 21, 9, 0, tzinfo=UTC)
LoadVersion = Callable[[Sequence[dict[str, Any]]], LoadReport]
StoreShipment = Callable[..., ScreenedShipment]
NOW = T0 + timedelta(days=2, hours=3)
AURUS_IDS = {"tax_id": "7743237789"}
Entries = dict[str, dict[str, Any]]


def rescreen(
    sessions: sessionmaker[Session], broker: MemoryBroker, lookback_days: int = 90
) -> RescreenReport:
    with sessions() as session:
        delta = load_delta(session, LIST_ID)
    return rescreen_delta(
        sessions,
        MemoryProducer(broker),
        SCREENED_TOPIC,
        delta,
        lookback_days=lookback_days,
        now=NOW,
        progress=False,
    )


def published(broker: MemoryBroker) -> list[ScreenedShipment]:
    return [
        ScreenedShipment.model_validate_json(r.value or b"") for r in broker.records(SCREENED_TOPIC)
    ]


def alert_through_alerting(
    sessions: sessionmaker[Session], batch: list[ScreenedShipment]
) -> list[AlertEvent]:
    """What the alerting service does with the re-published records."""
    with sessions.begin() as session:
        outcomes = process_batch(session, batch, AlertRules(), NOW + timedelta(seconds=5))
    return [event for outcome in outcomes for event in outcome.events]


def test_a_newly_listed_counterparty_alerts_on_its_window_shipments_once(
    sessions: sessionmaker[Session],
    broker: MemoryBroker,
    load_version: LoadVersion,
    store: StoreShipment,
    entries: Entries,
) -> None:
    load_version([entries["old"], entries["other"]])
    store("S1", consignee_ids=AURUS_IDS)
    store("S2", consignee_ids=AURUS_IDS, declared_at=T0 - timedelta(days=1))
    store("OLD", consignee_ids=AURUS_IDS, declared_at=T0 - timedelta(days=200))
    store("S3", consignee="HANSEO MERIDIAN LOGISTICS", consignee_country="KR")
    with sessions() as session:
        assert session.scalars(select(Alert)).all() == []  # all clean when they arrived

    report = load_version([entries["old"], entries["other"], entries["aurus"]])
    assert report.added == ("47956",)
    first = rescreen(sessions, broker)

    # Three distinct counterparties (Kyungki, Aurus, Hanseo), each screened once; one hits.
    assert (first.entries, first.counterparties, first.counterparties_hit) == (1, 3, 1)
    assert first.window is not None and first.window.as_of == T0
    out = published(broker)
    assert sorted(s.shipment.shipment_id for s in out) == ["S1", "S2"]  # OLD is out of window
    for screened in out:
        assert screened.screening.rescreen
        assert screened.screening.list_versions[LIST_ID] == report.version
        [hit] = screened.screening.parties[1].matches
        assert (hit.entry_id, hit.identifier_match) == ("47956", True)
        assert screened.screening.parties[0].matches == []

    events = alert_through_alerting(sessions, out)
    assert sorted((e.shipment_id, e.event, e.reason) for e in events) == [
        ("S1", "raised", "newly_listed"),
        ("S2", "raised", "newly_listed"),
    ]
    assert {e.alert_id for e in events} == {
        alert_id(f"kr-customs:{sid}", LIST_ID, "47956") for sid in ("S1", "S2")
    }
    assert all(e.matches[0].party_role == "consignee" for e in events)

    # Idempotent: a second rescreen of the same version re-publishes, and alerting adds nothing.
    second = rescreen(sessions, broker)
    assert second.shipments == 2
    again = published(broker)[len(out) :]
    assert alert_through_alerting(sessions, again) == []
    with sessions() as session:
        assert len(session.scalars(select(Alert)).all()) == 2


def test_the_look_back_window_is_configurable(
    sessions: sessionmaker[Session],
    broker: MemoryBroker,
    load_version: LoadVersion,
    store: StoreShipment,
    entries: Entries,
) -> None:
    load_version([entries["old"]])
    store("S1", consignee_ids=AURUS_IDS)
    store("S2", consignee_ids=AURUS_IDS, declared_at=T0 - timedelta(days=10))
    load_version([entries["old"], entries["aurus"]])
    report = rescreen(sessions, broker, lookback_days=5)
    assert report.shipments == 1
    assert [s.shipment.shipment_id for s in published(broker)] == ["S1"]


def test_a_changed_entry_replaces_the_stored_match_and_keeps_the_others(
    sessions: sessionmaker[Session],
    broker: MemoryBroker,
    load_version: LoadVersion,
    store: StoreShipment,
    entries: Entries,
) -> None:
    """Aurus was listed under another name only; v2 adds its tax ID. The stored screening's
    other match (an old entry) survives; the Aurus match is replaced by the new one."""
    before = dict(entries["aurus"], name="AURUS MOTORS", aliases=[], identifiers=[])
    load_version([before, entries["old"]])
    old_match = {
        "list": LIST_ID,
        "entry_id": "1001",
        "entry_name": "DAEJIN NORTHERN STAR TRADING",
        "matched_name": "DAEJIN NORTHERN STAR TRADING",
        "score": 0.5,
        "explanation": "below any threshold",
    }
    store("S1", consignee="VOLGA PARTS", consignee_ids=AURUS_IDS, consignee_matches=[old_match])
    report = load_version([entries["aurus"], entries["old"]])
    assert report.changed == ("47956",)
    assert rescreen(sessions, broker).shipments == 1
    [screened] = published(broker)
    matches = screened.screening.parties[1].matches
    assert [(m.entry_id, m.identifier_match) for m in matches] == [("47956", True), ("1001", False)]
    [event] = alert_through_alerting(sessions, [screened])
    assert (event.event, event.reason) == ("raised", "newly_listed")


def test_a_version_without_new_entries_publishes_nothing(
    sessions: sessionmaker[Session],
    broker: MemoryBroker,
    load_version: LoadVersion,
    store: StoreShipment,
    entries: Entries,
) -> None:
    load_version([entries["old"], entries["aurus"]])
    store("S1", consignee_ids=AURUS_IDS)
    load_version([entries["old"]])
    report = rescreen(sessions, broker)
    assert (report.entries, report.shipments) == (0, 0)
    assert "nothing to rescreen" in report.summary()
    assert broker.records(SCREENED_TOPIC) == []


def test_delisting_tells_the_open_alerts_without_closing_them(
    sessions: sessionmaker[Session],
    load_version: LoadVersion,
    store: StoreShipment,
    entries: Entries,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    aurus_match = {
        "list": LIST_ID,
        "entry_id": "47956",
        "entry_name": "LIMITED LIABILITY COMPANY AURUS",
        "matched_name": "LIMITED LIABILITY COMPANY AURUS",
        "score": 1.0,
        "identifier_match": True,
        "explanation": "tax_id agrees",
    }
    load_version([entries["aurus"], entries["old"]])
    store("S1", consignee_ids=AURUS_IDS, consignee_matches=[aurus_match])
    load_version([entries["old"]])
    url = str(sessions.kw["bind"].url)
    monkeypatch.setenv("TRADEWATCH_DATABASE_URL", url)

    assert main(["rescreen", "--list-id", LIST_ID, "--no-progress"]) == 0
    assert "1 open alerts told" in capsys.readouterr().out
    assert main(["rescreen", "--list-id", LIST_ID, "--no-progress"]) == 0  # told once only
    assert "0 open alerts told" in capsys.readouterr().out

    with sessions() as session:
        [alert] = session.scalars(select(Alert)).all()
        events = [
            AlertEvent.model_validate_json(row.payload)
            for row in session.scalars(select(AlertOutbox).order_by(AlertOutbox.outbox_id))
        ]
    assert alert.status == "open" and alert.delisted_at is not None
    assert [(e.event, e.status, e.note) for e in events] == [
        ("raised", "open", None),
        ("updated", "open", "delisted"),
    ]


def test_an_unknown_list_or_version_is_a_clear_error(
    sessions: sessionmaker[Session],
    load_version: LoadVersion,
    entries: Entries,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    load_version([entries["old"]])
    monkeypatch.setenv("TRADEWATCH_DATABASE_URL", str(sessions.kw["bind"].url))
    assert main(["rescreen", "--list-id", "nope"]) == 2
    assert "no list nope is loaded" in capsys.readouterr().err
    assert main(["rescreen", "--list-id", LIST_ID, "--version", "v9-x"]) == 2
    assert f"no version v9-x of list {LIST_ID} is loaded" in capsys.readouterr().err
