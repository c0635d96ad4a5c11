"""The few statements that differ between PostgreSQL (production) and SQLite (`make demo`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Result,
    Table,
    Text,
    any_,
    bindparam,
    func,
    literal_column,
    select,
)
from sqlalchemy import cast as cast_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from shared.db.base import Base
from shared.db.engine import json_rows

Row = Mapping[str, Any]


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


Finish = Callable[[Any, bool], Any]
"""Adds to a bare `INSERT` (`.on_conflict_do_update`, `.returning`, ...); told whether the
dialect is PostgreSQL. A module-level function: statements are cached per function."""


def insert(
    session: Session, model: type[Base], rows: Sequence[Row], finish: Finish | None = None
) -> Result[Any]:
    """Run an `INSERT` of `rows` (dicts with the same keys), completed by `finish`, in the
    session's transaction; return its result. The statement is built once per table, columns
    and `finish`: for a small batch, building it cost SQLAlchemy more than the rows did.

    On PostgreSQL it is ONE statement with ONE parameter whatever the number of rows: the rows
    as a JSON array, which the server turns into the table's row type
    (`INSERT ... SELECT ... FROM json_populate_recordset(NULL::table, :rows)`). Its text never
    changes, so it is prepared once; the client's work is one orjson call, where an executemany
    costs Python work per row and per value (SQLAlchemy's parameter processing, psycopg's
    dumping and query splitting). On SQLite, a plain executemany."""
    table = cast(Table, model.__table__)
    if not is_postgres(session):
        return session.execute(_statement(table, (), False, finish), list(rows))
    statement = _statement(table, tuple(rows[0]), True, finish)
    return session.execute(statement, {_ROWS: json_rows(rows)})


_ROWS = "rows_json"


@cache
def _statement(table: Table, names: tuple[str, ...], postgres: bool, finish: Finish | None) -> Any:
    if postgres:
        records = func.json_populate_recordset(
            literal_column(f"NULL::{table.name}"),
            cast_(bindparam(_ROWS, type_=Text), postgresql.JSON),
        ).table_valued(*names)
        source = select(*(records.c[name] for name in names))
        statement: Any = postgresql.insert(table).from_select(names, source)
    else:
        statement = sqlite.insert(table)
    return statement if finish is None else finish(statement, postgres)


def among(session: Session, column: Any, values: Sequence[Any]) -> Any:
    """`column IN values`: on PostgreSQL `= ANY(:array)`, one parameter whatever the count."""
    if is_postgres(session):
        return column == any_(bindparam(None, list(values), type_=postgresql.ARRAY(column.type)))
    return column.in_(list(values))


def greatest(postgres: bool, *values: Any) -> ColumnElement[Any]:
    return func.greatest(*values) if postgres else func.max(*values)


def try_lock(session: Session, lock_id: int) -> bool:
    """A transaction-scoped advisory lock (one publisher at a time); always True on SQLite."""
    if not is_postgres(session):
        return True
    return bool(session.scalar(func.pg_try_advisory_xact_lock(lock_id)))
