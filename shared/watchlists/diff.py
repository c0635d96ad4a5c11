"""What a new version of a list changes against the current one: added, changed, removed ids.

An entry counts as changed when its content differs; the load's stamp (`list_version`,
`published_at`) is not content, so reloading equal entries changes nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import orjson

from shared.schemas import WatchlistEntry

STAMP_FIELDS = frozenset({"list_version", "published_at"})


def entry_json(entry: WatchlistEntry) -> dict[str, Any]:
    """The entry as it goes on the topic and into the database (JSON names, e.g. "list")."""
    return entry.model_dump(mode="json")


def entry_bytes(data: dict[str, Any]) -> bytes:
    return orjson.dumps(data)


def content_hash(data: dict[str, Any]) -> str:
    content = {k: v for k, v in data.items() if k not in STAMP_FIELDS}
    return hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()


@dataclass
class ListDiff:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed)


def diff_hashes(current: dict[str, str], new: dict[str, str]) -> ListDiff:
    """Both map entry_id -> content hash; ids come back sorted for stable reports."""
    diff = ListDiff()
    for entry_id, digest in new.items():
        if entry_id not in current:
            diff.added.append(entry_id)
        elif current[entry_id] != digest:
            diff.changed.append(entry_id)
    diff.removed = [entry_id for entry_id in current if entry_id not in new]
    for ids in (diff.added, diff.changed, diff.removed):
        ids.sort(key=_natural)
    return diff


def _natural(entry_id: str) -> tuple[int, int, str]:
    return (0, int(entry_id), "") if entry_id.isdigit() else (1, 0, entry_id)
