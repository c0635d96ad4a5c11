"""The few statements that differ between PostgreSQL (production) and SQLite (`make demo`)."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import ColumnElement, Table, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from shared.db.base import Base


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert(session: Session, model: type[Base]) -> Any:
    """A Core `INSERT` into the model's table, with `.on_conflict_do_update/do_nothing`, for the
    session's dialect. Execute it with a list of rows: one compiled statement, sent in pages
    (SQLAlchemy's insertmanyvalues), rather than a statement compiled per batch size."""
    table = cast(Table, model.__table__)
    if is_postgres(session):
        return postgresql.insert(table)
    return sqlite.insert(table)


def greatest(session: Session, *values: Any) -> ColumnElement[Any]:
    return func.greatest(*values) if is_postgres(session) else func.max(*values)


def try_lock(session: Session, lock_id: int) -> bool:
    """A transaction-scoped advisory lock (one publisher at a time); always True on SQLite."""
    if not is_postgres(session):
        return True
    return bool(session.scalar(func.pg_try_advisory_xact_lock(lock_id)))
