"""Rescreen unit-test fixtures: a migrated SQLite database, lists loaded through the real loader
on the memory bus, and shipments stored through alerting's own `process_batch`."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from services.alerting import AlertRules, process_batch
from shared.db.engine import make_engine, make_sessions, migrate
from shared.kafka.memory import MemoryBroker, MemoryProducer
from shared.schemas import ScreenedShipment, WatchlistEntry
from shared.watchlists.load import load_list
from shared.watchlists.report import LoadReport

LIST_ID = "tw-test"
ENTRIES_TOPIC = "watchlist.entries.v1"
SCREENED_TOPIC = "shipments.screened.v1"
T0 = datetime(2024, 2, 21, 9, 0, tzinfo=UTC)
"""When the past shipments were declared and screened."""

AURUS = {
    "entry_id": "47956",
    "kind": "organization",
    "name": "LIMITED LIABILITY COMPANY AURUS",
    "aliases": [{"name": "OOO AURUS"}],
    "programs": ["RUSSIA-EO14024"],
    "countries": ["RU"],
    "identifiers": [{"type": "tax_id", "value": "7743237789", "country": "RU"}],
}
OLD_ENTRY = {
    "entry_id": "1001",
    "kind": "organization",
    "name": "DAEJIN NORTHERN STAR TRADING",
    "programs": ["DPRK3"],
    "countries": ["KP"],
}
OTHER_ENTRY = {
    "entry_id": "1002",
    "kind": "organization",
    "name": "ORION ZENITH MARITIME",
    "programs": ["IRAN"],
}

LoadVersion = Callable[[Sequence[dict[str, Any]]], LoadReport]
StoreShipment = Callable[..., ScreenedShipment]
MakeEntry = Callable[..., WatchlistEntry]
MakeShipment = Callable[..., ScreenedShipment]


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    url = f"sqlite:///{tmp_path / 'rescreen.db'}"
    migrate(url)
    engine = make_engine(url)
    try:
        yield make_sessions(engine)
    finally:
        engine.dispose()


@pytest.fixture
def broker() -> MemoryBroker:
    return MemoryBroker()


@pytest.fixture
def load_version(
    sessions: sessionmaker[Session], broker: MemoryBroker, tmp_path: Path
) -> LoadVersion:
    """`load_version(entries)` loads a whole list version (tradewatch-jsonl) as `tw-test`."""
    versions = iter(range(1, 100))

    def load(entries: Sequence[dict[str, Any]]) -> LoadReport:
        path = tmp_path / f"list-v{next(versions)}.jsonl"
        path.write_text("".join(json.dumps(e) + "\n" for e in entries), encoding="utf-8")
        return load_list(
            f"tradewatch-jsonl:{path}",
            LIST_ID,
            sessions,
            MemoryProducer(broker),
            ENTRIES_TOPIC,
            progress=False,
        )

    return load


def listed(data: dict[str, Any], version: str = "v1") -> WatchlistEntry:
    return WatchlistEntry.model_validate(
        {"list": LIST_ID, "list_version": version, "published_at": T0, **data}
    )


def shipment(
    shipment_id: str,
    *,
    consignee: str = "AURUS LLC",
    consignee_country: str | None = "RU",
    consignee_ids: dict[str, str] | None = None,
    declared_at: datetime | None = T0,
    screened_at: datetime = T0,
    consignee_matches: list[dict[str, Any]] | None = None,
) -> ScreenedShipment:
    """A shipment from Kyungki (KR) to `consignee`, screened clean unless matches are given."""
    parties: list[dict[str, Any]] = [
        {"role": "shipper", "name": "KYUNGKI INDUSTRIAL CO., LTD.", "country": "KR"},
        {
            "role": "consignee",
            "name": consignee,
            "country": consignee_country,
            "identifiers": consignee_ids or {},
        },
    ]
    return ScreenedShipment.model_validate(
        {
            "shipment": {
                "shipment_id": shipment_id,
                "source": "kr-customs",
                "declared_at": declared_at,
                "parties": parties,
                "goods": [{"hs_code": "870830", "description": "brake parts"}],
            },
            "screening": {
                "screened_at": screened_at,
                "parties": [
                    {"party_index": 0, "role": "shipper", "name": parties[0]["name"]},
                    {
                        "party_index": 1,
                        "role": "consignee",
                        "name": consignee,
                        "matches": consignee_matches or [],
                    },
                ],
                "risk_flags": [
                    {"code": "chpl_goods", "severity": "medium", "reason": "HS 870830 on CHPL"}
                ],
                "list_versions": {LIST_ID: "v1"},
            },
            "ingested_at": screened_at - timedelta(seconds=1),
        }
    )


@pytest.fixture
def store(sessions: sessionmaker[Session]) -> StoreShipment:
    """`store(shipment_id, **kwargs)` stores a screened shipment as the alerting service does."""

    def save(shipment_id: str, **kwargs: Any) -> ScreenedShipment:
        screened = shipment(shipment_id, **kwargs)
        with sessions.begin() as session:
            process_batch(session, [screened], AlertRules(), screened.screening.screened_at)
        return screened

    return save


@pytest.fixture(name="entries")
def entries_fixture() -> dict[str, dict[str, Any]]:
    """List entries as tradewatch-jsonl lines: `aurus` (47956), `old` (1001), `other` (1002)."""
    return {"aurus": dict(AURUS), "old": dict(OLD_ENTRY), "other": dict(OTHER_ENTRY)}


@pytest.fixture(name="make_entry")
def make_entry_fixture() -> MakeEntry:
    """`make_entry(data, version)`: a WatchlistEntry of `tw-test`."""
    return listed


@pytest.fixture(name="make_shipment")
def make_shipment_fixture() -> MakeShipment:
    """`make_shipment(shipment_id, **kwargs)`: see `shipment`."""
    return shipment
