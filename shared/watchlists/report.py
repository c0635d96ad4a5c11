"""What one `lists load` did, for people (`summary`) and for code (rescreen reads the ids)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from shared.watchlists.parsed import Problem

MAX_LISTED_IDS = 20
MAX_LISTED_PROBLEMS = 50


@dataclass(frozen=True)
class LoadReport:
    """`status` "loaded": a new version; "unchanged": the latest version has this checksum.

    `version_id` (the `list_versions.id`) and `version` (e.g. "v3-3f9a1c12", each entry's
    `list_version`) name the version now current; `added`/`changed`/`removed` are its entry ids
    (empty when unchanged). `published` counts the records this run sent, including those of an
    earlier load that died before every record was acknowledged.
    """

    list_id: str
    source: str
    checksum: str
    status: Literal["loaded", "unchanged"]
    version_id: int
    version: str
    loaded_at: datetime
    entry_count: int
    rows: int = 0
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()
    orphans: dict[str, int] = field(default_factory=dict)
    published: int = 0
    topic: str = ""
    parse_seconds: float = 0.0

    def summary(self) -> str:
        lines = [self._headline()]
        if self.status == "loaded":
            lines.append(
                f"  {self.entry_count} entries from {self.rows} rows in {self.parse_seconds:.2f} s;"
                f" added {len(self.added)}, changed {len(self.changed)},"
                f" removed {len(self.removed)}"
            )
            for name, ids in (
                ("added", self.added),
                ("changed", self.changed),
                ("removed", self.removed),
            ):
                if ids:
                    lines.append(f"  {name}: {_some(ids)}")
        if self.published:
            lines.append(f"  published {self.published} records to {self.topic}")
        orphaned = {name: count for name, count in self.orphans.items() if count}
        if orphaned:
            counts = ", ".join(f"{name} {count}" for name, count in orphaned.items())
            lines.append(f"  orphans (rows naming an entry the main file lacks): {counts}")
        if self.problems:
            lines.append(f"  skipped {len(self.problems)} malformed rows:")
            lines.extend(f"    {p}" for p in self.problems[:MAX_LISTED_PROBLEMS])
            if len(self.problems) > MAX_LISTED_PROBLEMS:
                lines.append(f"    ... and {len(self.problems) - MAX_LISTED_PROBLEMS} more")
        return "\n".join(lines)

    def _headline(self) -> str:
        if self.status == "unchanged":
            return (
                f"{self.list_id}: unchanged (same checksum {self.checksum[:12]} as version"
                f" {self.version} loaded {self.loaded_at:%Y-%m-%d %H:%M:%S}Z); nothing published"
            )
        return f"{self.list_id}: loaded version {self.version} from {self.source}"


def _some(ids: tuple[str, ...]) -> str:
    shown = ", ".join(ids[:MAX_LISTED_IDS])
    return shown if len(ids) <= MAX_LISTED_IDS else f"{shown}, ... ({len(ids)} in all)"
