"""The AURUS case: how customs records write the listed company, and suppliers that must not
alert. First against a small list, then against the real SDN list (reference data)."""

from __future__ import annotations

import pytest

from shared.schemas import WatchlistEntry
from shared.screening import Screener

AURUS_KEY = "us-ofac-sdn:47956"

RENDERINGS = [
    "ООО «АУРУС»",
    'ООО "АУРУС"',
    "OOO AURUS",
    "AURUS LLC",
    "Aurus, L.L.C.",
    "LLC AURUS",
    "Limited Liability Company Aurus",
    "Obshchestvo s ogranichennoy otvetstvennostyu Aurus",
    "Общество с ограниченной ответственностью «Аурус»",
    "AURUS",
    "aurus llc",
    "AURSU LLC",  # letters swapped
    "AURRUS LLC",  # letter doubled
    "AURUS O.O.O.",
    "OOO «AURUS» (Alabuga SEZ)",
]
SUPPLIERS = [
    "KYUNGKI INDUSTRIAL CO., LTD.",
    "Kyungki Industrial Co",
    "BYT Co Ltd",
    "BYT CO., LTD",
    "Enertech International Inc",
    "ENERTECH INTERNATIONAL INC.",
]


def alerts(screener: Screener, name: str, **party: object) -> list[str]:
    found = screener.screen(name, **party)  # type: ignore[arg-type]
    return [f"{m.list_id}:{m.entry_id}" for m in found]


@pytest.mark.parametrize("name", RENDERINGS)
def test_renderings_of_aurus_alert(screener: Screener, name: str) -> None:
    assert AURUS_KEY in alerts(screener, name)


@pytest.mark.parametrize("name", SUPPLIERS)
def test_the_korean_suppliers_do_not_alert(screener: Screener, name: str) -> None:
    assert alerts(screener, name) == []


@pytest.mark.parametrize(
    "tax_id", ["7743237789", "RU7743237789", "RU 774 323 77 89", "774-323-7789"]
)
def test_the_tax_id_alone_alerts(screener: Screener, tax_id: str) -> None:
    assert alerts(screener, "", identifiers={"tax_id": tax_id}) == [AURUS_KEY]


@pytest.mark.parametrize("name", RENDERINGS)
def test_renderings_of_aurus_find_it_first_on_the_sdn_list(
    sdn_screener: Screener, name: str
) -> None:
    found = alerts(sdn_screener, name, country="RU")
    assert found and found[0] == AURUS_KEY


@pytest.mark.parametrize("name", SUPPLIERS)
def test_the_korean_suppliers_match_nothing_on_the_sdn_list(
    sdn_screener: Screener, name: str
) -> None:
    assert alerts(sdn_screener, name, country="KR") == []


def test_the_tax_id_alone_finds_aurus_on_the_sdn_list(sdn_screener: Screener) -> None:
    found = sdn_screener.screen("", identifiers={"tax_id": "RU 7743237789"})
    assert [f"{m.list_id}:{m.entry_id}" for m in found] == [AURUS_KEY]
    assert found[0].identifier_match and found[0].score == 1.0


def test_the_sdn_index_takes_an_update_without_a_rebuild(
    sdn_screener: Screener, sdn_entries: list[WatchlistEntry]
) -> None:
    entry = next(e for e in sdn_entries if e.entry_id == "47956")
    assert sdn_screener.remove(entry.list_id, entry.entry_id)
    try:
        assert AURUS_KEY not in alerts(sdn_screener, "OOO AURUS")
    finally:
        sdn_screener.upsert(entry)
    assert AURUS_KEY in alerts(sdn_screener, "OOO AURUS")


@pytest.mark.parametrize(
    ("name", "country", "entry_id"),
    [
        ("A A TRADING FZCO", "AE", "10598"),
        ("BY TRADE OU", "EE", "37620"),
        ("A THREE ENERGY FZE", "AE", "46357"),
    ],
)
def test_a_listed_name_of_short_common_words_alerts_on_the_sdn_list(
    sdn_screener: Screener, name: str, country: str, entry_id: str
) -> None:
    found = alerts(sdn_screener, name, country=country)
    assert found[:1] == [f"us-ofac-sdn:{entry_id}"]
