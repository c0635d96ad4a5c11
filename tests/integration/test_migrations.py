"""Migrations build the whole schema on an empty PostgreSQL database, and run twice harmlessly."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url

import shared.db.models  # noqa: F401  (registers every table)
from shared.db.base import Base
from shared.db.engine import migrate


@pytest.fixture
def empty_database(database_url: str) -> Iterator[str]:
    url = make_url(database_url)
    name = f"tw_migrate_{uuid.uuid4().hex[:8]}"
    admin = (
        f"host={url.host} port={url.port} user={url.username} "
        f"password={url.password} dbname={url.database}"
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def test_migrations_create_every_model_table_on_an_empty_database(empty_database: str) -> None:
    migrate(empty_database)
    migrate(empty_database)  # idempotent
    engine = create_engine(empty_database)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert "alembic_version" in tables
    missing = set(Base.metadata.tables) - tables
    assert not missing, f"models without a migration: {sorted(missing)}"
