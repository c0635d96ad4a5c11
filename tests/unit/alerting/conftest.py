"""Alerting unit-test fixtures: screened-shipment builders and a migrated SQLite database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from shared.db.engine import make_engine, make_sessions, migrate
from shared.schemas import ScreenedShipment

T0 = datetime(2024, 2, 23, 10, 0, 0, tzinfo=UTC)


MakeScreened = Callable[..., ScreenedShipment]
MakeMatch = Callable[..., dict[str, Any]]


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """A migrated SQLite database (the demo's engine): the repository's SQL on both dialects."""
    url = f"sqlite:///{tmp_path / 'alerting.db'}"
    migrate(url)
    engine = make_engine(url)
    try:
        yield make_sessions(engine)
    finally:
        engine.dispose()


def build_match(
    *,
    list_id: str = "us-ofac-sdn",
    entry_id: str = "47956",
    entry_name: str = "LIMITED LIABILITY COMPANY AURUS",
    score: float = 0.97,
    programs: tuple[str, ...] = ("RUSSIA-EO14024",),
    identifier_match: bool = False,
    explanation: str = "name core 'aurus' = 'aurus'",
) -> dict[str, Any]:
    return {
        "list": list_id,
        "entry_id": entry_id,
        "entry_name": entry_name,
        "matched_name": entry_name,
        "score": score,
        "programs": list(programs),
        "identifier_match": identifier_match,
        "explanation": explanation,
    }


def build_screened(
    *,
    shipment_id: str = "KR-EXP-2024-000731",
    source: str = "kr-customs",
    consignee: str = "AURUS LLC",
    consignee_ids: dict[str, str] | None = None,
    matches: list[dict[str, Any]] | None = None,
    shipper_matches: list[dict[str, Any]] | None = None,
    risk_flags: list[dict[str, Any]] | None = None,
    screened_at: datetime = T0,
    declared_at: datetime | None = T0 - timedelta(days=2),
    rescreen: bool = False,
    ingested_at: datetime | None = T0 - timedelta(seconds=1),
    vessel: dict[str, str] | None = None,
    vessel_matches: list[dict[str, Any]] | None = None,
) -> ScreenedShipment:
    """A shipment from Kyungki (KR) to a consignee; by default the consignee matches Aurus.
    With `vessel` ({name, imo}) it is carried on that vessel, screened with `vessel_matches`."""
    shipper = "KYUNGKI INDUSTRIAL CO., LTD."
    parties: list[dict[str, Any]] = [
        {"role": "shipper", "name": shipper, "country": "KR"},
        {
            "role": "consignee",
            "name": consignee,
            "country": "RU",
            "identifiers": consignee_ids if consignee_ids is not None else {"tax_id": "7743237789"},
        },
    ]
    found = ScreenedShipment.model_validate(
        {
            "shipment": {
                "shipment_id": shipment_id,
                "source": source,
                "declared_at": declared_at,
                "origin_country": "KR",
                "destination_country": "RU",
                "parties": parties,
                "goods": [{"hs_code": "870830", "description": "Brake parts"}],
            },
            "screening": {
                "screened_at": screened_at,
                "parties": [
                    {
                        "party_index": 0,
                        "role": "shipper",
                        "name": shipper,
                        "matches": shipper_matches or [],
                    },
                    {
                        "party_index": 1,
                        "role": "consignee",
                        "name": consignee,
                        "matches": [build_match()] if matches is None else matches,
                    },
                ],
                "risk_flags": risk_flags or [],
                "list_versions": {"us-ofac-sdn": "2024-02-23-3f9a1c"},
                "rescreen": rescreen,
            },
            "ingested_at": ingested_at,
        }
    )
    if vessel is None:
        return found
    return ScreenedShipment.model_validate(
        {
            **found.model_dump(),
            "shipment": {**found.shipment.model_dump(), "vessel": vessel},
            "screening": {
                **found.screening.model_dump(),
                "vessel": {**vessel, "matches": vessel_matches or []},
            },
        }
    )


HIGH_RISK_FLAG = {"code": "sanctioned_destination", "severity": "high", "reason": "destination RU"}


@pytest.fixture(name="screened")
def screened_builder() -> MakeScreened:
    """`screened(**overrides)` builds a ScreenedShipment (see `build_screened`)."""
    return build_screened


@pytest.fixture(name="match")
def match_builder() -> MakeMatch:
    """`match(**overrides)` builds one Match as JSON (see `build_match`)."""
    return build_match
