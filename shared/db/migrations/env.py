"""Alembic environment: runs the migrations against the URL set by `shared.db.engine.migrate`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

import shared.db.models  # noqa: F401  (registers every table on the metadata)
from shared.db.base import Base

config = context.config
url = config.get_main_option("sqlalchemy.url")
assert url is not None, "sqlalchemy.url must be set"

engine = create_engine(url)
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
