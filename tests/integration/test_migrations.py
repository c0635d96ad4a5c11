"""Migrations build the whole schema on an empty PostgreSQL database, and run twice harmlessly."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect

import shared.db.models  # noqa: F401  (registers every table)
from shared.db.base import Base
from shared.db.engine import migrate


def test_migrations_create_every_model_table_on_an_empty_database(empty_database: str) -> None:
    migrate(empty_database)
    migrate(empty_database)  # idempotent
    engine = create_engine(empty_database)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert "alembic_version" in tables
    missing = set(Base.metadata.tables) - tables
    assert not missing, f"models without a migration: {sorted(missing)}"


def test_migrations_create_exactly_the_models_indexes(empty_database: str) -> None:
    """An index is a cost on every row written: the database has the models' ones, no more."""
    migrate(empty_database)
    engine = create_engine(empty_database)
    inspector = inspect(engine)
    for name, table in Base.metadata.tables.items():
        built = {
            str(index["name"])
            for index in inspector.get_indexes(name)
            if not index.get("duplicates_constraint")  # a unique constraint's own index
        }
        declared = {str(index.name) for index in table.indexes}
        assert built == declared, f"{name}: migrations {sorted(built)}, models {sorted(declared)}"
    engine.dispose()
