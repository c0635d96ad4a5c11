"""The watchlist tables: the one module of `shared.watchlists` that speaks SQL.

Other services read lists through the functions at the end: `list_summaries` (loaded lists,
versions, freshness), `find_version`, `changed_entries` (what a version added or changed, for
rescreen) and `current_entries` (every entry now listed, for screening from the database).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from shared.db.models.watchlists import ListChange, ListEntry, ListVersion
from shared.schemas import WatchlistEntry

Sessions = sessionmaker[Session]
_CHUNK = 1000


@dataclass(frozen=True)
class VersionInfo:
    id: int
    list_id: str
    seq: int
    version: str
    format: str
    source: str
    checksum: str
    loaded_at: datetime
    published_at: datetime | None
    entry_count: int
    added_count: int
    changed_count: int
    removed_count: int
    problem_count: int
    orphans: dict[str, int]


def _info(row: ListVersion) -> VersionInfo:
    return VersionInfo(
        id=row.id,
        list_id=row.list_id,
        seq=row.seq,
        version=row.version,
        format=row.format,
        source=row.source,
        checksum=row.checksum,
        loaded_at=row.loaded_at,
        published_at=row.published_at,
        entry_count=row.entry_count,
        added_count=row.added_count,
        changed_count=row.changed_count,
        removed_count=row.removed_count,
        problem_count=row.problem_count,
        orphans=dict(row.orphans),
    )


@dataclass(frozen=True)
class NewVersion:
    list_id: str
    seq: int
    version: str
    format: str
    source: str
    checksum: str
    loaded_at: datetime
    entry_count: int
    problems: list[str]
    orphans: dict[str, int]


@dataclass(frozen=True)
class StoredChange:
    list_id: str
    entry_id: str
    change: str  # added, changed, removed
    entry: dict[str, Any] | None


def lock_list(session: Session, list_id: str) -> None:
    """Serialise loads of one list (PostgreSQL; SQLite, used by the demo, has one writer anyway)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": list_id})


def latest_version(session: Session, list_id: str) -> VersionInfo | None:
    row = session.scalar(
        select(ListVersion).where(ListVersion.list_id == list_id).order_by(ListVersion.seq.desc())
    )
    return _info(row) if row is not None else None


def unpublished_versions(session: Session, list_id: str) -> list[VersionInfo]:
    rows = session.scalars(
        select(ListVersion)
        .where(ListVersion.list_id == list_id, ListVersion.published_at.is_(None))
        .order_by(ListVersion.seq)
    )
    return [_info(r) for r in rows]


def current_hashes(session: Session, list_id: str) -> dict[str, str]:
    rows = session.execute(
        select(ListEntry.entry_id, ListEntry.content_hash).where(ListEntry.list_id == list_id)
    )
    return {entry_id: digest for entry_id, digest in rows}


def record_version(session: Session, new: NewVersion, counts: tuple[int, int, int]) -> int:
    added, changed, removed = counts
    row = ListVersion(
        list_id=new.list_id,
        seq=new.seq,
        version=new.version,
        format=new.format,
        source=new.source,
        checksum=new.checksum,
        loaded_at=new.loaded_at,
        published_at=None,
        entry_count=new.entry_count,
        added_count=added,
        changed_count=changed,
        removed_count=removed,
        problem_count=len(new.problems),
        problems=new.problems,
        orphans=new.orphans,
    )
    session.add(row)
    session.flush()
    return row.id


def apply_changes(
    session: Session,
    list_id: str,
    version_id: int,
    upserts: Sequence[tuple[str, dict[str, Any], str]],  # (change, entry JSON, content hash)
    removed: Sequence[str],
) -> None:
    """Bring `list_entries` to the new version and record each change in `list_changes`."""
    stale = [data["entry_id"] for change, data, _ in upserts if change == "changed"]
    for chunk in _chunks([*stale, *removed]):
        session.execute(
            delete(ListEntry).where(ListEntry.list_id == list_id, ListEntry.entry_id.in_(chunk))
        )
    entries = [
        {
            "list_id": list_id,
            "entry_id": data["entry_id"],
            "kind": data["kind"],
            "name": data["name"],
            "content_hash": digest,
            "entry": data,
            "version_id": version_id,
        }
        for _, data, digest in upserts
    ]
    changes: list[dict[str, Any]] = [
        {"version_id": version_id, "entry_id": d["entry_id"], "list_id": list_id, "change": c}
        | {"entry": d}
        for c, d, _ in upserts
    ]
    changes += [
        {"version_id": version_id, "entry_id": e, "list_id": list_id, "change": "removed"}
        | {"entry": None}
        for e in removed
    ]
    for chunk in _chunks(entries):
        session.execute(insert(ListEntry), chunk)
    for chunk in _chunks(changes):
        session.execute(insert(ListChange), chunk)


def stored_changes(session: Session, version_id: int) -> list[StoredChange]:
    rows = session.execute(
        select(ListChange.list_id, ListChange.entry_id, ListChange.change, ListChange.entry)
        .where(ListChange.version_id == version_id)
        .order_by(ListChange.entry_id)
    )
    return [StoredChange(*row) for row in rows]


def mark_published(session: Session, version_id: int, at: datetime) -> None:
    session.execute(update(ListVersion).where(ListVersion.id == version_id).values(published_at=at))


def list_summaries(session: Session) -> list[VersionInfo]:
    """The latest version of every loaded list: version, loaded_at, published_at, entry count."""
    latest = (
        select(ListVersion.list_id, func.max(ListVersion.seq).label("seq"))
        .group_by(ListVersion.list_id)
        .subquery()
    )
    rows = session.scalars(
        select(ListVersion)
        .join(latest, (ListVersion.list_id == latest.c.list_id) & (ListVersion.seq == latest.c.seq))
        .order_by(ListVersion.list_id)
    )
    return [_info(r) for r in rows]


def find_version(session: Session, list_id: str, version: str) -> VersionInfo | None:
    row = session.scalar(
        select(ListVersion).where(ListVersion.list_id == list_id, ListVersion.version == version)
    )
    return _info(row) if row is not None else None


def changed_entries(session: Session, version_id: int) -> list[WatchlistEntry]:
    """The entries a version added or changed, as published (rescreen screens against these)."""
    return [
        WatchlistEntry.model_validate(c.entry)
        for c in stored_changes(session, version_id)
        if c.entry is not None
    ]


def current_entries(
    session: Session, list_ids: Iterable[str] | None = None
) -> list[WatchlistEntry]:
    """Every entry now on the given lists (all lists when None)."""
    query = select(ListEntry.entry).order_by(ListEntry.list_id, ListEntry.entry_id)
    if list_ids is not None:
        query = query.where(ListEntry.list_id.in_(list(list_ids)))
    return [WatchlistEntry.model_validate(data) for data in session.scalars(query)]


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]
