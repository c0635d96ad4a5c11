"""Files -> submissions for the Ingestor: JSON Lines as is, CSV through a column mapping.

Every submission carries its line numbers, and the bytes it was written as, so a rejected
record reaches the DLQ (and the person at the terminal) with the line it came from.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from services.ingest.csv_mapping import ColumnMapping
from services.ingest.csv_records import (
    CsvHeaderError,
    CsvRecord,
    build_record,
    group_rows,
    guess_delimiter,
    read_rows,
)
from services.ingest.errors import FieldError
from services.ingest.ingestor import Submission


@dataclass(frozen=True)
class FileItem:
    submission: Submission
    size_bytes: int
    line_of: Callable[[FieldError], int]


def jsonl_items(path: Path) -> Iterator[FileItem]:
    """One submission per non-blank line, read lazily."""
    with path.open("rb") as file:
        skipped_bytes = 0
        for number, line in enumerate(file, start=1):
            if not line.strip():
                skipped_bytes += len(line)
                continue
            value, failure = _decode_line(line)
            submission = Submission(
                value,
                line.rstrip(b"\r\n"),
                _origin(path, [number]),
                (failure,) if failure is not None else (),
            )
            yield FileItem(submission, skipped_bytes + len(line), _fixed_line(number))
            skipped_bytes = 0


def _fixed_line(number: int) -> Callable[[FieldError], int]:
    def line_of(error: FieldError) -> int:
        return number

    return line_of


def _decode_line(line: bytes) -> tuple[object, FieldError | None]:
    try:
        text = line.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        return None, FieldError((), f"not valid UTF-8 (byte {error.start})", "invalid_utf8")
    try:
        return json.loads(text), None
    except json.JSONDecodeError as error:
        return None, FieldError(
            (), f"not JSON: {error.msg} at column {error.colno}", "invalid_json"
        )
    except (ValueError, RecursionError) as error:
        reason = "nested too deeply" if isinstance(error, RecursionError) else str(error)
        return None, FieldError((), f"not usable JSON: {reason}", "invalid_json")


def csv_records(path: Path, mapping: ColumnMapping, *, every_column: bool) -> list[CsvRecord]:
    """Every declaration of the file (the whole file is grouped before anything is sent).

    The header must hold the shipment id column and, if `every_column`, every column the
    mapping names (a hand-written mapping: a missing column is more likely a typo than intent).
    """
    with path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="") as file:
        first = file.readline()
        file.seek(0)
        delimiter = mapping.delimiter or guess_delimiter(first)
        header, header_text, rows = read_rows(file, delimiter)
        required = mapping.columns() if every_column else {mapping.shipment["shipment_id"]}
        missing = sorted(required - set(header))
        if missing:
            raise CsvHeaderError(
                f"the header lacks the column(s) the mapping names: {', '.join(missing)} "
                f"(delimiter {delimiter!r})"
            )
        return [build_record(group, mapping, header_text) for group in group_rows(rows, mapping)]


def csv_items(path: Path, records: list[CsvRecord]) -> Iterator[FileItem]:
    for record in records:
        submission = Submission(
            record.value,
            record.original,
            _origin(path, record.lines),
            tuple(record.problems),
        )
        yield FileItem(submission, len(record.original), record.line_of)


def _origin(path: Path, lines: list[int]) -> tuple[tuple[str, str], ...]:
    origin = [("origin", "file"), ("file", path.name), ("line", str(lines[0]))]
    if len(lines) > 1:
        origin.append(("lines", ",".join(str(line) for line in lines)))
    return tuple(origin)
