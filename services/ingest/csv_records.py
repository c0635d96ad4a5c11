"""CSV rows -> shipment-shaped records: one per declaration, a goods line per row.

Pure: the caller reads the file and hands over its lines (decoded with `surrogateescape`, so
bytes that are not UTF-8 survive to be reported and dead-lettered as they were). Rows of one
declaration (same source and shipment id) need not be next to each other; the whole file is
grouped, so memory grows with the file.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from services.ingest.csv_mapping import ColumnMapping
from services.ingest.errors import FieldError

_SURROGATE = re.compile("[\udc80-\udcff]")
_DELIMITERS = (",", ";", "\t", "|")
# csv's default cell limit (128 KiB) would end the whole read at one long cell; a long cell is
# instead refused by the model for its field, on its own line.
MAX_CELL_CHARS = 16 * 1024 * 1024


@dataclass(frozen=True)
class Row:
    line: int
    cells: dict[str, str]
    text: str
    problem: FieldError | None = None


@dataclass
class CsvRecord:
    """What one declaration became: a record for `prepare`, or the problems that stop it."""

    value: dict[str, Any]
    lines: list[int]
    original: bytes
    goods_lines: list[int] = field(default_factory=list)
    party_lines: list[int] = field(default_factory=list)
    problems: list[FieldError] = field(default_factory=list)

    def line_of(self, error: FieldError) -> int:
        """The line an error is about: the row of that goods line or party, else the first."""
        if len(error.loc) >= 2 and isinstance(error.loc[1], int):
            lines = {"goods": self.goods_lines, "parties": self.party_lines}.get(str(error.loc[0]))
            if lines and error.loc[1] < len(lines):
                return lines[error.loc[1]]
        return self.lines[0]


class CsvFileError(ValueError):
    """The file cannot be read as CSV past some point: nothing of it should be sent."""


class CsvHeaderError(CsvFileError):
    """The header row is missing or unusable."""


def guess_delimiter(header_line: str) -> str:
    return max(_DELIMITERS, key=header_line.count)


def read_rows(lines: Iterable[str], delimiter: str) -> tuple[list[str], str, Iterator[Row]]:
    """The header, its text, and the rows after it, each with its first line number and text."""
    csv.field_size_limit(MAX_CELL_CHARS)
    consumed: list[str] = []
    counter = [0]

    def feed() -> Iterator[str]:
        for line in lines:
            counter[0] += 1
            consumed.append(line)
            yield line

    reader = csv.reader(feed(), delimiter=delimiter)
    header = [name.strip() for name in next(reader, [])]
    header_text = "".join(consumed)
    _check_header(header)

    def rows() -> Iterator[Row]:
        try:
            yield from parsed()
        except csv.Error as error:
            raise CsvFileError(f"line {counter[0]}: {error}") from None

    def parsed() -> Iterator[Row]:
        for cells in reader:
            text = "".join(consumed)
            first_line = counter[0] - len(consumed) + 1
            consumed.clear()
            if not any(cell.strip() for cell in cells):
                continue
            yield _row(header, cells, first_line, text)

    consumed.clear()
    return header, header_text, rows()


def _check_header(header: list[str]) -> None:
    if not any(header):
        raise CsvHeaderError("the file has no header row")
    if any(_SURROGATE.search(name) for name in header):
        raise CsvHeaderError("the header row is not valid UTF-8")
    duplicates = sorted({name for name in header if name and header.count(name) > 1})
    if duplicates:
        raise CsvHeaderError(f"the header names a column twice: {', '.join(duplicates)}")


def _row(header: list[str], cells: list[str], line: int, text: str) -> Row:
    problem = None
    if len(cells) > len(header):
        problem = FieldError(
            (), f"{len(cells)} cells but the header has {len(header)} columns", "csv_row_too_long"
        )
    elif any(_SURROGATE.search(cell) for cell in cells):
        problem = FieldError((), "the line is not valid UTF-8", "invalid_utf8")
    values = {name: cell.strip() for name, cell in zip(header, cells, strict=False) if name}
    return Row(line, values, text, problem)


def group_rows(rows: Iterable[Row], mapping: ColumnMapping) -> list[list[Row]]:
    """Rows by declaration (source, shipment id), in order of first appearance. A row without a
    shipment id, or with a problem, is a group of its own (it becomes a rejected record)."""
    id_column = mapping.shipment["shipment_id"]
    source_column = mapping.shipment.get("source")
    groups: dict[tuple[str, str], list[Row]] = {}
    alone: list[list[Row]] = []
    order: list[tuple[str, str] | int] = []
    for row in rows:
        shipment_id = row.cells.get(id_column, "")
        if row.problem is not None or not shipment_id:
            order.append(len(alone))
            alone.append([row])
            continue
        key = (row.cells.get(source_column, "") if source_column else "", shipment_id)
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(row)
    return [alone[item] if isinstance(item, int) else groups[item] for item in order]


def build_record(rows: list[Row], mapping: ColumnMapping, header_text: str) -> CsvRecord:
    original = (header_text + "".join(row.text for row in rows)).encode("utf-8", "surrogateescape")
    record = CsvRecord({}, [row.line for row in rows], original)
    for row in rows:
        if row.problem is not None:
            record.problems.append(row.problem)
    if record.problems:
        return record
    builder = _Builder(rows, record)
    for field_name, column in mapping.shipment.items():
        builder.single(record.value, field_name, column, field_name)
    vessel: dict[str, Any] = {}
    for name, column in mapping.vessel.model_dump().items():
        builder.single(vessel, name, column, f"vessel.{name}")
    if vessel:
        record.value["vessel"] = vessel
    record.value["parties"] = _parties(rows, mapping, record)
    record.value["goods"] = _goods(rows, mapping, record)
    if mapping.unmapped == "extra":
        builder.extra(set().union(*(row.cells for row in rows)) - mapping.columns())
    return record


class _Builder:
    def __init__(self, rows: list[Row], record: CsvRecord) -> None:
        self.rows = rows
        self.record = record

    def single(self, target: dict[str, Any], name: str, column: str | None, label: str) -> None:
        """A declaration-level value: every row that fills the column must agree."""
        if not column:
            return
        seen = [(row.line, row.cells[column]) for row in self.rows if row.cells.get(column)]
        distinct = {value for _, value in seen}
        if len(distinct) > 1:
            said = ", ".join(f"line {line} says {value!r}" for line, value in seen[:4])
            self.record.problems.append(
                FieldError(
                    tuple(label.split(".")),
                    f"rows of one declaration disagree on {label} (column {column}): {said}",
                    "conflicting_rows",
                )
            )
        elif distinct:
            target[name] = distinct.pop()

    def extra(self, columns: Iterable[str]) -> None:
        """Unmapped columns: one value when the rows agree, else every row's value in order."""
        for column in sorted(columns):
            values = [row.cells.get(column, "") for row in self.rows]
            if not any(values):
                continue
            distinct = set(values)
            self.record.value[column] = values[0] if len(distinct) == 1 else values


def _parties(rows: list[Row], mapping: ColumnMapping, record: CsvRecord) -> list[dict[str, Any]]:
    """Every party any row names, once each, in the mapping's role order."""
    parties: list[dict[str, Any]] = []
    for role, columns in mapping.parties.items():
        for row in rows:
            party = {
                "role": role,
                "name": row.cells.get(columns.name, ""),
                "address": row.cells.get(columns.address or "", ""),
                "country": row.cells.get(columns.country or "", ""),
                "identifiers": {
                    ident: row.cells[column]
                    for ident, column in columns.identifiers.items()
                    if row.cells.get(column)
                },
            }
            if not any([party["name"], party["address"], party["country"], party["identifiers"]]):
                continue
            compact = {k: v for k, v in party.items() if v}
            if compact not in parties:
                parties.append(compact)
                record.party_lines.append(row.line)
    return parties


def _goods(rows: list[Row], mapping: ColumnMapping, record: CsvRecord) -> list[dict[str, Any]]:
    goods: list[dict[str, Any]] = []
    for row in rows:
        line = {
            name: row.cells[column]
            for name, column in mapping.goods.model_dump().items()
            if column and row.cells.get(column)
        }
        if line:
            goods.append(line)
            record.goods_lines.append(row.line)
    return goods
