"""Fixtures for the screening tests: small made-up lists (the real SDN list, `sdn_entries` and
`sdn_screener`, is in tests/conftest.py: enrichment uses it too)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

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
