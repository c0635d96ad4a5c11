"""Engine and session factory: built by each entry point, never at import time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import orjson
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def json_text(value: object) -> str:
    # JSON columns hold model_dump(mode="json") output: orjson takes it, several times faster.
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def json_rows(rows: Iterable[Mapping[str, object]]) -> str:
    """Table rows as one JSON array (for PostgreSQL's json_populate_recordset), datetimes in ISO
    8601 with their offset. The values are what a `UtcDateTime` column takes: aware datetimes
    (a naive one would be read as UTC here, where that column type refuses it)."""
    return orjson.dumps(list(rows), option=orjson.OPT_NON_STR_KEYS | orjson.OPT_NAIVE_UTC).decode()


def make_engine(url: str, *, pool_size: int = 5) -> Engine:
    if url.startswith("sqlite"):
        return create_engine(url, json_serializer=json_text)
    return create_engine(
        url, pool_size=pool_size, pool_pre_ping=True, max_overflow=5, json_serializer=json_text
    )


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str, revision: str = "head") -> None:
    """Bring the database schema up to `revision` (idempotent)."""
    command.upgrade(alembic_config(url), revision)
