"""Alerting's writes on the real PostgreSQL: a recurring counterparty is written again only when
its stored dates fall behind by more than the slack, nothing is lost when the rows it remembers
vanish, and a vessel's match is stored and alerts like a party's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, create_engine, delete, select

from services.alerting.handler import make_handler
from services.alerting.rules_config import AlertRules
from services.rescreen.repository import counterparties_since
from shared.db.engine import make_sessions
from shared.db.models import Alert, Counterparty, ShipmentParty, StoredShipment
from shared.db.models.shipments import COUNTERPARTY_DATE_SLACK
from shared.kafka.records import Record
from shared.schemas import ScreenedShipment, alert_id

DECLARED = datetime(2024, 2, 22, 9, tzinfo=UTC)
T0 = datetime(2024, 2, 23, 10, tzinfo=UTC)
SUPPLIER = "KYUNGKI INDUSTRIAL CO., LTD."


@pytest.fixture
def engine(fresh_database: str) -> Iterator[Engine]:
    built = create_engine(fresh_database, pool_pre_ping=True)
    yield built
    built.dispose()


VESSEL = {"name": "OCEAN PEARL", "imo": "9187629"}
ARTAVIL = {
    "list": "us-ofac-sdn",
    "entry_id": "15036",
    "entry_name": "ARTAVIL",
    "matched_name": "ARTAVIL",
    "score": 1.0,
    "programs": ["IRAN"],
    "identifier_match": True,
    "explanation": "identifier imo 9187629 agrees exactly (decisive)",
}


def record(shipment_id: str, declared_at: datetime, offset: int, *, vessel: bool = False) -> Record:
    shipment: dict[str, object] = {
        "shipment_id": shipment_id,
        "source": "kr-customs",
        "declared_at": declared_at,
        "parties": [
            {"role": "shipper", "name": SUPPLIER, "country": "KR"},
            {"role": "consignee", "name": "BYT CO LTD", "country": "RU"},
        ],
    }
    screening: dict[str, object] = {
        "screened_at": declared_at,
        "parties": [
            {"party_index": 0, "role": "shipper", "name": SUPPLIER, "matches": []},
            {"party_index": 1, "role": "consignee", "name": "BYT CO LTD", "matches": []},
        ],
        "risk_flags": [],
        "list_versions": {"us-ofac-sdn": "v1"},
    }
    if vessel:
        shipment["vessel"] = VESSEL
        screening["vessel"] = {**VESSEL, "matches": [ARTAVIL]}
    value = ScreenedShipment.model_validate({"shipment": shipment, "screening": screening})
    key = f"kr-customs:{shipment_id}".encode()
    return Record("screened", 0, offset, key, value.model_dump_json().encode())


def supplier_dates(engine: Engine) -> tuple[datetime, datetime]:
    with make_sessions(engine)() as session:
        row = session.scalars(select(Counterparty).where(Counterparty.name == SUPPLIER)).one()
        return row.last_declared_at, row.last_seen_at


def parties(engine: Engine, shipment_id: str) -> list[str]:
    with make_sessions(engine)() as session:
        return list(
            session.scalars(
                select(ShipmentParty.name)
                .where(ShipmentParty.shipment_key == f"kr-customs:{shipment_id}")
                .order_by(ShipmentParty.party_index)
            )
        )


def test_a_recurring_counterparty_is_written_again_only_past_the_slack(engine: Engine) -> None:
    now = [T0]
    handle = make_handler(make_sessions(engine), AlertRules(), clock=lambda: now[0])
    handle([record("s1", DECLARED, 0)])
    assert supplier_dates(engine) == (DECLARED, T0)

    # Within the slack on both dates: the shipment and its parties are stored, the row is not
    # written again, and rescreen's look-back still finds the supplier from the later date on.
    now[0] = T0 + timedelta(minutes=10)
    later = DECLARED + timedelta(minutes=30)
    handle([record("s2", later, 1)])
    assert parties(engine, "s2") == [SUPPLIER, "BYT CO LTD"]
    assert supplier_dates(engine) == (DECLARED, T0)
    with make_sessions(engine)() as session:
        found = {c.name for c in counterparties_since(session, later)}
    assert SUPPLIER in found

    # Past the slack: written again.
    beyond = DECLARED + COUNTERPARTY_DATE_SLACK + timedelta(minutes=1)
    handle([record("s3", beyond, 2)])
    assert supplier_dates(engine) == (beyond, now[0])


def test_counterparties_gone_from_under_a_worker_are_written_again_and_nothing_is_lost(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    handle = make_handler(make_sessions(engine), AlertRules(), clock=lambda: T0)
    handle([record("s1", DECLARED, 0)])
    with make_sessions(engine).begin() as session:  # a restore, an operator's clean-up
        session.execute(delete(ShipmentParty))
        session.execute(delete(Counterparty))

    handle([record("s2", DECLARED, 1)])
    assert "writing them again" in caplog.text
    assert parties(engine, "s2") == [SUPPLIER, "BYT CO LTD"]
    assert supplier_dates(engine) == (DECLARED, T0)


def test_a_vessel_match_is_stored_and_alerts_once_as_the_vessel(engine: Engine) -> None:
    handle = make_handler(make_sessions(engine), AlertRules(), clock=lambda: T0)
    handle([record("v1", DECLARED, 0, vessel=True)])
    handle([record("v1", DECLARED, 0, vessel=True)])  # redelivered
    with make_sessions(engine)() as session:
        [alert] = session.scalars(select(Alert)).all()
        stored = session.get(StoredShipment, "kr-customs:v1")
    assert alert.alert_id == alert_id("kr-customs:v1", "us-ofac-sdn", "15036")
    assert [(m["party_role"], m["party_name"]) for m in alert.matches] == [
        ("vessel", "OCEAN PEARL")
    ]
    assert stored is not None and stored.screening["vessel"]["imo"] == "9187629"
