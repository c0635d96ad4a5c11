"""Watchlists: every load of a list is a version; the current entries; each version's changes.

`list_versions` has one row per load that changed something (checksum, time, counts, problems);
`published_at` stays empty until every change of that version is acknowledged by Kafka, so a
load that died mid-publish is finished by the next one. `list_entries` holds the current entries
of each list (the entry JSON as last published). `list_changes` holds, per version, each added,
changed or removed entry id with the entry as published (none for a removal): "what did version
V add or change" is one indexed scan, and the history survives later changes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shared.db.base import Base
from shared.db.types import JsonType, UtcDateTime


class ListVersion(Base):
    __tablename__ = "list_versions"
    __table_args__ = (
        UniqueConstraint("list_id", "seq", name="uq_list_versions_list_id_seq"),
        UniqueConstraint("list_id", "version", name="uq_list_versions_list_id_version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    list_id: Mapped[str] = mapped_column(String(100))
    seq: Mapped[int] = mapped_column(Integer)
    version: Mapped[str] = mapped_column(String(100))
    format: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(Text)
    checksum: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    entry_count: Mapped[int] = mapped_column(Integer)
    added_count: Mapped[int] = mapped_column(Integer)
    changed_count: Mapped[int] = mapped_column(Integer)
    removed_count: Mapped[int] = mapped_column(Integer)
    problem_count: Mapped[int] = mapped_column(Integer)
    problems: Mapped[list[str]] = mapped_column(JsonType)
    orphans: Mapped[dict[str, int]] = mapped_column(JsonType)


class ListEntry(Base):
    __tablename__ = "list_entries"

    list_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    entry: Mapped[dict[str, Any]] = mapped_column(JsonType)
    version_id: Mapped[int] = mapped_column(ForeignKey("list_versions.id"))


class ListChange(Base):
    __tablename__ = "list_changes"
    __table_args__ = (Index("ix_list_changes_list_id_version_id", "list_id", "version_id"),)

    version_id: Mapped[int] = mapped_column(ForeignKey("list_versions.id"), primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    list_id: Mapped[str] = mapped_column(String(100))
    change: Mapped[str] = mapped_column(String(10))  # added, changed, removed
    entry: Mapped[dict[str, Any] | None] = mapped_column(JsonType, default=None)
