"""What a parser hands back: the entries, the rows it skipped and why, the orphans it counted."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pydantic import ValidationError

from shared.schemas import WatchlistEntry


class SourceError(ValueError):
    """The input cannot be read at all (missing file, unknown format): nothing is loaded."""


@dataclass(frozen=True)
class Problem:
    """A malformed row, skipped: the file, the 1-based line (or row) it starts on, why."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass(frozen=True)
class Stamp:
    """The version every parsed entry carries (`list_version`, `published_at`)."""

    version: str
    published_at: datetime


@dataclass
class ParseResult:
    list_id: str
    entries: list[WatchlistEntry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Per auxiliary file: rows naming an entry that the main file lacks.
    orphans: dict[str, int] = field(default_factory=dict)
    rows: int = 0


def validation_reason(error: ValidationError) -> str:
    """A one-line reason: each failing field and its message."""
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "entry"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


def dedupe(values: list[str]) -> list[str]:
    """Order-preserving de-duplication."""
    return list(dict.fromkeys(values))
