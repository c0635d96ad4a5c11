"""OFAC's legacy CSV: no header row, `-0-` for empty, Windows-1252, a 0x1A byte at the end."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

EMPTY = "-0-"
Row = list[str | None]


def read_rows(path: Path) -> Iterator[tuple[int, Row]]:
    """Each non-blank row with the line it starts on; `-0-` and blank fields become None."""
    # cp1252 leaves five bytes undefined; a stray one must not sink the whole file.
    text = path.read_bytes().rstrip(b"\x1a\r\n").decode("cp1252", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    for fields in reader:
        if any(f.strip() for f in fields):
            yield start, [_cell(f) for f in fields]
        start = reader.line_num + 1


def _cell(field: str) -> str | None:
    value = field.strip()
    return None if value in ("", EMPTY) else value


def parse_ent_num(value: str | None) -> str | None:
    """The entity number as a canonical string ("047956" -> "47956"), or None if not a number."""
    if value is None or not value.isdigit():
        return None
    return str(int(value))
