"""The few statements that differ between PostgreSQL (production) and SQLite (`make demo`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, Text, any_, bindparam, func, literal_column, select
from sqlalchemy import cast as cast_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from shared.db.base import Base
from shared.db.engine import json_rows

Row = Mapping[str, Any]


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert(session: Session, model: type[Base], rows: Sequence[Row]) -> tuple[Any, Any]:
    """An `INSERT` of `rows` (dicts with the same keys) and the parameters to execute it with;
    the statement takes `.on_conflict_do_update/do_nothing` and `.returning`.

    On PostgreSQL it is ONE statement with ONE parameter whatever the number of rows: the rows
    as a JSON array, which the server turns into the table's row type
    (`INSERT ... SELECT ... FROM json_populate_recordset(NULL::table, :rows)`). Its text never
    changes, so it is prepared once; the client's work is one orjson call, where an executemany
    costs Python work per row and per value (SQLAlchemy's parameter processing, psycopg's
    dumping and query splitting). On SQLite, a plain executemany."""
    table = cast(Table, model.__table__)
    if not is_postgres(session):
        return sqlite.insert(table), list(rows)
    names = list(rows[0])
    records = func.json_populate_recordset(
        literal_column(f"NULL::{table.name}"), cast_(bindparam(_ROWS, type_=Text), postgresql.JSON)
    ).table_valued(*names)
    source = select(*(records.c[name] for name in names))
    statement = postgresql.insert(table).from_select(names, source)
    return statement, {_ROWS: json_rows(rows)}


_ROWS = "rows_json"


def among(session: Session, column: Any, values: Sequence[Any]) -> Any:
    """`column IN values`: on PostgreSQL `= ANY(:array)`, one parameter whatever the count."""
    if is_postgres(session):
        return column == any_(bindparam(None, list(values), type_=postgresql.ARRAY(column.type)))
    return column.in_(list(values))


def greatest(session: Session, *values: Any) -> ColumnElement[Any]:
    return func.greatest(*values) if is_postgres(session) else func.max(*values)


def try_lock(session: Session, lock_id: int) -> bool:
    """A transaction-scoped advisory lock (one publisher at a time); always True on SQLite."""
    if not is_postgres(session):
        return True
    return bool(session.scalar(func.pg_try_advisory_xact_lock(lock_id)))
