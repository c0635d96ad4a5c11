"""The few statements that differ between PostgreSQL (production) and SQLite (`make demo`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from shared.db.base import Base


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert(session: Session, model: type[Base]) -> Any:
    """`INSERT` with `.on_conflict_do_update/do_nothing` for the session's dialect."""
    if is_postgres(session):
        return postgresql.insert(model)
    return sqlite.insert(model)


def wrote_a_row(session: Session, statement: Any, key: Any) -> bool:
    """Run an upsert; True when it inserted or updated a row (False: the conflict clause or its
    WHERE kept the row as it was). RETURNING, because psycopg reports no rowcount for these."""
    return session.execute(statement.returning(key)).first() is not None


def greatest(session: Session, *values: Any) -> ColumnElement[Any]:
    return func.greatest(*values) if is_postgres(session) else func.max(*values)


def try_lock(session: Session, lock_id: int) -> bool:
    """A transaction-scoped advisory lock (one publisher at a time); always True on SQLite."""
    if not is_postgres(session):
        return True
    return bool(session.scalar(func.pg_try_advisory_xact_lock(lock_id)))
