"""Fixtures for the screening tests: small made-up lists, and the real SDN list when present."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.config import Settings
from shared.schemas import WatchlistEntry
from shared.screening import Screener

PUBLISHED = datetime(2024, 2, 23, tzinfo=UTC)
EntryFactory = Callable[..., WatchlistEntry]


@pytest.fixture
def make_entry() -> EntryFactory:
    def make(entry_id: str, name: str, kind: str = "organization", **fields: Any) -> WatchlistEntry:
        return WatchlistEntry(
            list_id=fields.pop("list_id", "test-list"),
            entry_id=entry_id,
            kind=kind,
            name=name,
            list_version=fields.pop("list_version", "v1"),
            published_at=PUBLISHED,
            **fields,
        )

    return make


@pytest.fixture
def aurus(make_entry: EntryFactory) -> WatchlistEntry:
    """AURUS as OFAC lists it (SDN entry 47956)."""
    return make_entry(
        "47956",
        "LIMITED LIABILITY COMPANY AURUS",
        list_id="us-ofac-sdn",
        programs=["RUSSIA-EO14024"],
        countries=["RU"],
        identifiers=[
            {"type": "tax_id", "value": "7743237789", "country": "RU", "label": "Tax ID No."},
            {"type": "registration", "value": "5177746340998", "country": "RU"},
        ],
    )


@pytest.fixture
def small_list(make_entry: EntryFactory, aurus: WatchlistEntry) -> list[WatchlistEntry]:
    return [
        aurus,
        make_entry("2", "JOINT STOCK COMPANY TACTICAL MISSILES CORPORATION", countries=["RU"]),
        make_entry("3", "PUTIN, Vladimir Vladimirovich", "person", countries=["RU"]),
        make_entry("4", "SALMAN BIN MUHAMMAD AL-RAWI", "person"),
        make_entry("5", "KAZAN SHIPPING LTD", aliases=[{"name": "KAZAN", "weak": True}]),
        make_entry("6", "SEA STAR", "vessel", identifiers=[{"type": "imo", "value": "9187629"}]),
        make_entry("7", "GLOBAL TRADING INTERNATIONAL GROUP LLC"),
        make_entry("8", "KKR ASIAN FUND III L.P."),
    ]


@pytest.fixture
def screener(small_list: list[WatchlistEntry]) -> Screener:
    return Screener(small_list)


@pytest.fixture(scope="session")
def sdn_entries() -> list[WatchlistEntry]:
    """The OFAC SDN list of 2024-05-03 with the 2025-12 aliases, from the reference data."""
    root = Settings().sanctions_data_dir / "sanctions" / "ofac"
    main, aliases = root / "sdn-2024-05-03", root / "sdn-aux-2025-12" / "alt.csv"
    if not main.is_dir() or not aliases.is_file():
        message = f"reference data missing under {root} (set TRADEWATCH_SANCTIONS_DATA_DIR)"
        if os.environ.get("CI", "").strip().lower() in ("1", "true", "yes"):
            pytest.fail(f"{message}; under CI=true these tests must run", pytrace=False)
        pytest.skip(message)
    from shared.watchlists.sources import read_entries

    return read_entries(f"ofac-sdn:{main},{aliases}")


@pytest.fixture(scope="session")
def sdn_screener(sdn_entries: list[WatchlistEntry]) -> Screener:
    return Screener(sdn_entries)
