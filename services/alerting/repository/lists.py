"""Read-only views of the watchlist tables (written by `tradewatch lists load`)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from shared.db.models import ListEntry, ListVersion

EntryRef = tuple[str, str]


@dataclass(frozen=True)
class LoadedList:
    list_id: str
    version: str
    seq: int
    loaded_at: datetime
    published_at: datetime | None
    entry_count: int
    added_count: int
    changed_count: int
    removed_count: int
    problem_count: int
    versions_loaded: int


def entries(session: Session, refs: Collection[EntryRef]) -> dict[EntryRef, ListEntry]:
    if not refs:
        return {}
    rows = session.scalars(
        select(ListEntry).where(tuple_(ListEntry.list_id, ListEntry.entry_id).in_(list(refs)))
    )
    return {(row.list_id, row.entry_id): row for row in rows}


def entry_fingerprints(session: Session, refs: Collection[EntryRef]) -> dict[EntryRef, str]:
    """The content hash of each current entry; an entry not (or no longer) loaded is absent."""
    if not refs:
        return {}
    rows = session.execute(
        select(ListEntry.list_id, ListEntry.entry_id, ListEntry.content_hash).where(
            tuple_(ListEntry.list_id, ListEntry.entry_id).in_(list(refs))
        )
    )
    return {(list_id, entry_id): digest for list_id, entry_id, digest in rows}


def entries_loaded_at(session: Session, refs: Collection[EntryRef]) -> dict[EntryRef, datetime]:
    """When the current content of each entry was loaded (entries not in the tables are absent)."""
    if not refs:
        return {}
    rows = session.execute(
        select(ListEntry.list_id, ListEntry.entry_id, ListVersion.loaded_at)
        .join(ListVersion, ListVersion.id == ListEntry.version_id)
        .where(tuple_(ListEntry.list_id, ListEntry.entry_id).in_(list(refs)))
    )
    return {(list_id, entry_id): at for list_id, entry_id, at in rows}


def loaded_lists(session: Session) -> list[LoadedList]:
    """The latest version of every list, with how many versions were loaded."""
    latest = (
        select(
            ListVersion.list_id,
            func.max(ListVersion.seq).label("seq"),
            func.count().label("versions"),
        )
        .group_by(ListVersion.list_id)
        .subquery()
    )
    rows = session.execute(
        select(ListVersion, latest.c.versions)
        .join(
            latest,
            (latest.c.list_id == ListVersion.list_id) & (latest.c.seq == ListVersion.seq),
        )
        .order_by(ListVersion.list_id)
    ).all()
    return [
        LoadedList(
            list_id=v.list_id,
            version=v.version,
            seq=v.seq,
            loaded_at=v.loaded_at,
            published_at=v.published_at,
            entry_count=v.entry_count,
            added_count=v.added_count,
            changed_count=v.changed_count,
            removed_count=v.removed_count,
            problem_count=v.problem_count,
            versions_loaded=int(versions),
        )
        for v, versions in rows
    ]
