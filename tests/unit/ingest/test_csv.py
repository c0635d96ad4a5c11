"""CSV -> records: the default and a written mapping, grouping, conflicts, line numbers."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from services.ingest import ShipmentInvalid, prepare
from services.ingest import csv_records as csv_records_module
from services.ingest.csv_mapping import MappingError, default_mapping, load_mapping
from services.ingest.csv_records import CsvFileError, CsvHeaderError, CsvRecord
from services.ingest.files import csv_records

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "ingest"


def records_of(tmp_path: Path, text: str, mapping_text: str | None = None) -> list[CsvRecord]:
    path = tmp_path / "export.csv"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    mapping = default_mapping() if mapping_text is None else load_mapping(mapping_text)
    return csv_records(path, mapping, every_column=mapping_text is not None)


def test_rows_of_one_declaration_become_one_shipment_anywhere_in_the_file() -> None:
    records = csv_records(FIXTURES / "customs_export.csv", default_mapping(), every_column=False)
    assert [r.value["shipment_id"] for r in records] == [
        "KR-2024-000117",
        "KR-2024-000118",
        "KR-2024-000119",
        "KR-2024-000120",
    ]
    first = records[0]
    assert first.lines == [2, 3, 8]
    assert first.goods_lines == [2, 3, 8]
    shipment = prepare(first.value, "kcs")
    assert [g.hs_code for g in shipment.goods] == ["870830", "870899", "848340"]
    assert shipment.goods[1].description == "gear box housings"
    assert [(p.role, p.name, p.country) for p in shipment.parties] == [
        ("shipper", "Kyungki Industrial Co", "KR"),
        ("consignee", "LIMITED LIABILITY COMPANY AURUS", "RU"),
    ]
    assert shipment.parties[1].identifiers == {"tax_id": "7743237789"}
    assert shipment.extra == {"customs_office": "Busan"}
    assert first.original.startswith(b"shipment_id,declared_at,")
    assert b'"gear box\nhousings"' in first.original


def test_a_bad_row_is_named_by_its_line() -> None:
    records = csv_records(FIXTURES / "customs_export.csv", default_mapping(), every_column=False)
    bad = records[2]
    with pytest.raises(ShipmentInvalid) as invalid:
        prepare(bad.value, "kcs")
    [error] = invalid.value.errors
    assert (error.where, error.type, bad.line_of(error)) == (
        "goods.0.hs_code",
        "invalid_hs_code",
        6,
    )


def test_a_written_mapping_with_its_own_delimiter_and_names() -> None:
    mapping = load_mapping((FIXTURES / "kcs_mapping.yaml").read_text())
    records = csv_records(FIXTURES / "kcs_export.csv", mapping, every_column=True)
    first = prepare(records[0].value, "kcs")
    assert first.key == "kcs:24-881"
    assert first.parties[1].name == "OOO «АУРУС»"
    assert first.parties[1].address == "Moscow, Ulitsa Ordzhonikidze 12"
    assert first.vessel is not None and first.vessel.name == "SEA STAR"
    assert first.extra == {}
    second = prepare(records[1].value, "kcs")
    assert second.destination_country == "TR"
    assert second.parties[1].country == "TR"


def test_rows_that_disagree_on_a_declaration_field_are_refused(tmp_path: Path) -> None:
    [record] = records_of(
        tmp_path,
        "shipment_id,declared_at,shipper_name,hs_code\nD1,2024-02-21,A,85\nD1,2024-02-22,A,84\n",
    )
    [problem] = record.problems
    assert problem.type == "conflicting_rows"
    assert "line 2 says '2024-02-21'" in problem.msg and "line 3 says '2024-02-22'" in problem.msg


def test_different_parties_of_one_role_are_all_kept(tmp_path: Path) -> None:
    [record] = records_of(
        tmp_path,
        "shipment_id,manufacturer_name,manufacturer_country,hs_code,note\n"
        "D1,Maker A,KR,85,x\n"
        "D1,Maker B,CN,84,y\n"
        "D1,Maker A,KR,84,\n",
    )
    shipment = prepare(record.value, "s")
    assert [(p.name, p.country) for p in shipment.parties] == [("Maker A", "KR"), ("Maker B", "CN")]
    assert record.party_lines == [2, 3]
    assert shipment.extra == {"note": ["x", "y", ""]}


def test_rows_without_an_id_too_long_or_not_utf8_stand_alone(tmp_path: Path) -> None:
    records = records_of(
        tmp_path,
        "shipment_id,shipper_name\n,Nameless\nD2,A,extra cell\nD3,\udcff\udcfe\n\nD4,Fine\n",
    )
    assert [(r.lines, [p.type for p in r.problems]) for r in records] == [
        ([2], []),
        ([3], ["csv_row_too_long"]),
        ([4], ["invalid_utf8"]),
        ([6], []),
    ]
    assert records[2].original.endswith(b"D3,\xff\xfe\n")
    with pytest.raises(ShipmentInvalid) as invalid:
        prepare(records[0].value, "s")
    assert [e.where for e in invalid.value.errors] == ["shipment_id"]


def test_a_semicolon_export_is_recognised_by_its_header(tmp_path: Path) -> None:
    [record] = records_of(tmp_path, "shipment_id;shipper_name;hs_code\nD1;Kyungki, Co;85\n")
    assert record.value["parties"] == [{"role": "shipper", "name": "Kyungki, Co"}]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "no header"),
        ("\n\n", "no header"),
        ("name,other\n1,2\n", "shipment_id"),
        ("shipment_id,shipment_id\n1,2\n", "twice"),
        ("shipment_id,\udcff\n1,2\n", "UTF-8"),
    ],
)
def test_unusable_headers(tmp_path: Path, text: str, says: str) -> None:
    with pytest.raises(CsvHeaderError, match=says):
        records_of(tmp_path, text)


def test_a_written_mapping_must_find_every_column_it_names(tmp_path: Path) -> None:
    mapping = "shipment:\n  shipment_id: id\nparties:\n  shipper:\n    name: shiper_name\n"
    with pytest.raises(CsvHeaderError, match="shiper_name"):
        records_of(tmp_path, "id,shipper_name\n1,A\n", mapping)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("shipment: [", "not valid YAML"),
        ("parties: {}", "shipment: Field required"),
        ("shipment: {source: src}", "must name the column of shipment_id"),
        ("shipment: {shipment_id: id, colour: c}", "shipment.colour"),
        ("shipment: {shipment_id: id}\nparties: {boss: {name: b}}", "parties.boss"),
        ("shipment: {shipment_id: id}\ngoods: {weight: w}", "goods.weight"),
    ],
)
def test_mapping_errors_say_what_to_fix(text: str, says: str) -> None:
    with pytest.raises(MappingError, match=says):
        load_mapping(text)


def test_a_cell_beyond_what_csv_reads_stops_the_file_naming_the_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_records_module, "MAX_CELL_CHARS", 50)
    # csv's limit is process-wide: put it back, or later CSV readers inherit 50.
    previous = csv.field_size_limit()
    try:
        with pytest.raises(CsvFileError, match="line 3: field larger than field limit"):
            records_of(tmp_path, "shipment_id,shipper_name\nD1,A\nD2," + "B" * 60 + "\n")
    finally:
        csv.field_size_limit(previous)
