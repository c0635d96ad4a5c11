"""The OFAC legacy CSV parser on small files written in the official format."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.watchlists.sources import read_list


@pytest.fixture
def fixtures() -> Path:
    """The small lists this project writes in each official format (tests/fixtures/lists)."""
    return Path(__file__).resolve().parents[2] / "fixtures" / "lists"


def test_sdn_folder_joins_aliases_addresses_and_comments(fixtures: Path) -> None:
    result = read_list(f"ofac-sdn:{fixtures / 'ofac-sdn'}")
    entries = {e.entry_id: e for e in result.entries}
    assert result.list_id == "us-ofac-sdn"
    assert sorted(entries) == ["1001", "1002", "1003", "1004", "47956"]

    aurus = entries["47956"]
    assert aurus.kind == "organization"
    assert aurus.programs == ["RUSSIA-EO14024"]
    assert {(i.type, i.value, i.country) for i in aurus.identifiers} == {
        ("tax_id", "7743237789", "RU"),
        ("registration", "5177746340998", "RU"),
    }
    assert [a.name for a in aurus.aliases] == ["OOO AURUS"]
    assert aurus.addresses[0].country == "RU" and aurus.countries == ["RU"]

    person = entries["1001"]
    assert person.kind == "person"
    assert person.name == "DUPONT, Jérôme"  # Windows-1252 decoded
    assert person.programs == ["SDGT", "IRAN"]
    assert person.birth_dates == ["1948-12-10", "1950"]
    assert person.countries == ["IR"]
    assert [(i.type, i.value, i.country) for i in person.identifiers] == [
        ("passport", "A1234567", "IR")
    ]
    weak = {a.name: (a.type, a.weak) for a in person.aliases}
    assert weak == {
        "DUPONT, Jerome": ("aka", False),
        "DUPONT, J.": ("fka", True),  # alt.csv remarks say "weak"
        "THE CHEMIST": ("aka", True),  # remarks a.k.a.s are OFAC's weak aliases
    }


def test_vessel_aircraft_and_continued_remarks(fixtures: Path) -> None:
    entries = {e.entry_id: e for e in read_list(f"ofac-sdn:{fixtures / 'ofac-sdn'}").entries}
    vessel = entries["1002"]
    assert vessel.kind == "vessel"
    assert vessel.countries == ["KP"]  # vessel flag "Korea, North"
    assert {(i.type, i.value) for i in vessel.identifiers} == {
        ("imo", "9187629"),
        ("mmsi", "445123000"),
        ("call_sign", "HMTP1"),
    }
    aircraft = entries["1003"]
    assert aircraft.kind == "aircraft"
    assert ("aircraft_tail", "EPABC") in {(i.type, i.value) for i in aircraft.identifiers}
    trading = entries["1004"]
    # sdn.csv cut the remarks at "(United Arab Emi"; sdn_comments.csv carries on.
    assert trading.remarks is not None and "(United Arab Emirates)" in trading.remarks
    types = {(i.type, i.value, i.country) for i in trading.identifiers}
    assert ("registration", "12345", "AE") in types
    assert ("swift_bic", "EXTRAEAD", None) in types
    assert ("lei", "5493001KJTIIGC8Y1R12", None) in types
    assert [(a.name, a.type) for a in trading.aliases] == [("EXAMPLE TRADING LLC", "nka")]


def test_malformed_rows_are_reported_with_line_and_skipped(fixtures: Path) -> None:
    result = read_list(f"ofac-sdn:{fixtures / 'ofac-sdn'}")
    assert [str(p) for p in result.problems] == [
        "sdn.csv:6: expected 12 fields, found 4",
        "sdn.csv:7: ent_num 'X1' is not a number",
        "alt.csv:5: unknown alias type 'xyz'",
    ]
    assert result.rows == 7
    assert result.orphans == {"sdn_comments.csv": 1, "alt.csv": 1, "add.csv": 1}


def test_single_csv_file_is_the_main_file_alone(fixtures: Path) -> None:
    result = read_list(f"ofac-sdn:{fixtures / 'ofac-sdn-v2' / 'sdn.csv'}")
    entries = {e.entry_id: e for e in result.entries}
    assert "2001" in entries and "1003" not in entries
    assert entries["47956"].aliases == []  # no alt.csv given
    assert result.orphans == {}


def test_main_and_aux_files_from_different_folders_combine(fixtures: Path) -> None:
    spec = f"ofac-sdn:{fixtures / 'ofac-sdn-v2'},{fixtures / 'ofac-sdn' / 'alt.csv'}"
    entries = {e.entry_id: e for e in read_list(spec).entries}
    assert [a.name for a in entries["47956"].aliases] == ["OOO AURUS"]
    assert ("imo", "1234567") in {(i.type, i.value) for i in entries["47956"].identifiers}


def test_consolidated_list(fixtures: Path) -> None:
    result = read_list(f"ofac-cons:{fixtures / 'ofac-cons'}")
    entries = {e.entry_id: e for e in result.entries}
    assert result.list_id == "us-ofac-cons"
    assert sorted(entries) == ["17014", "9639"]
    assert [str(p) for p in result.problems] == ["cons_prim.csv:3: name is empty"]
    bank = entries["17014"]
    assert ("registration", "1027700132195") in {(i.type, i.value) for i in bank.identifiers}
    assert [(a.name, a.weak) for a in bank.aliases] == [("EXAMPLE BANK", True)]
    assert entries["9639"].countries == ["PS"]  # "Region: Gaza"


_CELL = st.text(
    alphabet=st.characters(
        codec="cp1252", exclude_characters='"\x1a\r\n', exclude_categories=["Cc"]
    ),
    max_size=30,
)


@given(st.lists(st.tuples(_CELL.filter(lambda s: s.strip() not in ("", "-0-")), _CELL), max_size=8))
@settings(deadline=None, max_examples=50)
def test_any_legacy_csv_rows_round_trip(rows: list[tuple[str, str]]) -> None:
    """Names and remarks written in OFAC's legacy encoding come back as written (trimmed)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sdn.csv"
        lines = [
            f'{n},"{name}",-0- ,"PROG",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"{remarks}"'
            for n, (name, remarks) in enumerate(rows, start=1)
        ]
        path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252") + b"\x1a")
        result = read_list(f"ofac-sdn:{path}")
    assert result.problems == []
    assert [e.name for e in result.entries] == [name.strip() for name, _ in rows]
    expected = [r.strip() if r.strip() not in ("", "-0-") else None for _, r in rows]
    assert [e.remarks for e in result.entries] == expected
