"""UK OFSI (xlsx), UN (XML) and tradewatch-jsonl on small files in each format."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from shared.watchlists.parsed import SourceError
from shared.watchlists.sources import read_entries, read_list


@pytest.fixture
def fixtures() -> Path:
    """The small lists this project writes in each official format (tests/fixtures/lists)."""
    return Path(__file__).resolve().parents[2] / "fixtures" / "lists"


def test_ofsi_groups_rows_by_group_id(fixtures: Path) -> None:
    result = read_list(f"uk-ofsi:{fixtures / 'uk-ofsi'}")
    entries = {e.entry_id: e for e in result.entries}
    assert result.list_id == "gb-hmt-ofsi"
    assert sorted(entries) == ["13651", "15332", "15672"]
    kamaz = entries["15332"]
    assert kamaz.name == "KAMAZ" and kamaz.kind == "organization"
    assert {(a.name, a.type, a.weak) for a in kamaz.aliases} == {
        ("камаз", "aka", False),
        ("KAMA AUTOMOBILE PLANT", "aka", False),
        ("KAMAZ PTC", "fka", False),
    }
    assert {(i.type, i.value, i.label) for i in kamaz.identifiers} == {
        ("tax_id", "1650032058", "INN"),
        ("registration", "1021602013971", "OGRN"),
    }
    assert kamaz.listed_on == date(2022, 5, 4) and kamaz.countries == ["RU"]
    person = entries["15672"]
    assert person.name == "Mian Abdul HAQ" and person.kind == "person"
    assert [(a.name, a.weak) for a in person.aliases] == [("Mian MITHOO", True)]
    assert person.countries == ["PK", "AF"] and person.birth_dates == ["1965"]
    ship = entries["13651"]
    assert ship.kind == "vessel" and ship.countries == ["KP"]
    assert [(i.type, i.value) for i in ship.identifiers] == [("imo", "8106496")]
    assert [str(p) for p in result.problems] == [
        "conlist.xlsx:9: Group ID is empty",
        "conlist.xlsx:10: no name in Name 1..6",
        "conlist.xlsx:11: unknown Group Type 'Spaceship'",
    ]


def test_un_individuals_and_entities(fixtures: Path) -> None:
    result = read_list(f"un-sc:{fixtures / 'un-sc' / 'consolidated.xml'}")
    entries = {e.entry_id: e for e in result.entries}
    assert sorted(entries) == ["CDe.003", "CDi.002", "CDi.003"]
    frank = entries["CDi.002"]
    assert frank.name == "FRANK KAKOLELE BWAMBALE" and frank.programs == ["DRC"]
    assert [(a.name, a.weak) for a in frank.aliases] == [
        ("FRANK KAKORERE", False),
        ("AIGLE BLANC", True),
    ]
    assert [(i.type, i.value, i.country) for i in frank.identifiers] == [
        ("passport", "OB0123456", "CD")
    ]
    assert frank.birth_dates == ["1974-06-12"] and frank.countries == ["CD"]
    gaston = entries["CDi.003"]
    assert gaston.listed_on == date(2010, 12, 1)  # "2010-12-01-04:00" in the file
    assert gaston.birth_dates == ["1948", "1949"]
    assert [a.name for a in gaston.aliases] == ["Гастон"]
    cagl = entries["CDe.003"]
    assert cagl.kind == "organization"
    assert cagl.name == "COMPAGNIE AERIENNE DES GRANDS LACS (CAGL)"
    assert {(a.name, a.type) for a in cagl.aliases} == {
        ("GREAT LAKES BUSINESS COMPANY (GLBC)", "aka"),
        ("GREAT LAKES AIR", "fka"),
    }
    assert cagl.countries == ["CD", "RW"]
    assert [str(p) for p in result.problems] == [
        "consolidated.xml:24: REFERENCE_NUMBER is empty",
        "consolidated.xml:53: REFERENCE_NUMBER CDe.003 repeats line 43",
    ]


def test_jsonl_loads_valid_lines_and_reports_the_rest(fixtures: Path) -> None:
    result = read_list(f"tradewatch-jsonl:{fixtures / 'tradewatch-jsonl' / 'demo.jsonl'}")
    assert result.list_id == "tw-demo"
    entries = {e.entry_id: e for e in result.entries}
    assert sorted(entries) == ["d-1", "d-2", "d-6"]
    assert entries["d-1"].identifiers[0].value == "7743237789"
    assert entries["d-2"].list_version != "ignored"  # the load stamps its own version
    assert entries["d-6"].list_id == "tw-demo"  # no "list" field: the file's list
    reasons = {p.line: p.reason for p in result.problems}
    assert sorted(reasons) == [4, 5, 6, 7, 8]
    assert reasons[4].startswith("kind:")
    assert reasons[5].startswith("not JSON")
    assert "differs from the list being loaded" in reasons[7]
    assert reasons[8] == "entry_id d-1 repeats line 1"


def test_jsonl_list_id_option_overrides_nothing_silently(fixtures: Path, tmp_path: Path) -> None:
    path = tmp_path / "plain.jsonl"
    path.write_text('{"entry_id": "1", "kind": "person", "name": "A B"}\n', encoding="utf-8")
    with pytest.raises(SourceError, match="no list id"):
        read_list(f"tradewatch-jsonl:{path}")
    [entry] = read_entries(f"tradewatch-jsonl:{path}", "in-house")
    assert entry.list_id == "in-house"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("ofac-sdn", "expected FORMAT:PATH"),
        ("nope:/tmp", "unknown list format"),
        ("ofac-sdn:/does/not/exist", "no such file"),
        ("un-sc:{fixtures}/ofac-sdn", "expected one .xml file"),
        ("ofac-sdn:{fixtures}/un-sc/consolidated.xml", "not a ofac-sdn file"),
        ("ofac-sdn:{fixtures}/ofac-sdn,{fixtures}/ofac-sdn-v2", "two files for sdn.csv"),
        ("uk-ofsi:{fixtures}/un-sc/consolidated.xml", "not a readable xlsx"),
    ],
)
def test_unreadable_sources_raise_a_clear_error(fixtures: Path, spec: str, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        read_list(spec.format(fixtures=fixtures))
