"""Watchlist versions, current entries and per-version changes.

Revision ID: 0002_watchlists
Revises: 0001_api_keys
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002_watchlists"
down_revision = "0001_api_keys"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _at(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _count(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.Integer(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "list_versions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("list_id", sa.String(100), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(100), nullable=False),
        sa.Column("format", sa.String(40), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("checksum", sa.String(64), nullable=False),
        _at("loaded_at"),
        _at("published_at", nullable=True),
        _count("entry_count"),
        _count("added_count"),
        _count("changed_count"),
        _count("removed_count"),
        _count("problem_count"),
        sa.Column("problems", JSON, nullable=False),
        sa.Column("orphans", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_list_versions"),
        sa.UniqueConstraint("list_id", "seq", name="uq_list_versions_list_id_seq"),
        sa.UniqueConstraint("list_id", "version", name="uq_list_versions_list_id_version"),
    )
    op.create_table(
        "list_entries",
        sa.Column("list_id", sa.String(100), nullable=False),
        sa.Column("entry_id", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("entry", JSON, nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("list_id", "entry_id", name="pk_list_entries"),
        sa.ForeignKeyConstraint(
            ["version_id"], ["list_versions.id"], name="fk_list_entries_version_id_list_versions"
        ),
    )
    op.create_table(
        "list_changes",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.String(200), nullable=False),
        sa.Column("list_id", sa.String(100), nullable=False),
        sa.Column("change", sa.String(10), nullable=False),
        sa.Column("entry", JSON, nullable=True),
        sa.PrimaryKeyConstraint("version_id", "entry_id", name="pk_list_changes"),
        sa.ForeignKeyConstraint(
            ["version_id"], ["list_versions.id"], name="fk_list_changes_version_id_list_versions"
        ),
    )
    op.create_index("ix_list_changes_list_id_version_id", "list_changes", ["list_id", "version_id"])


def downgrade() -> None:
    op.drop_index("ix_list_changes_list_id_version_id", table_name="list_changes")
    op.drop_table("list_changes")
    op.drop_table("list_entries")
    op.drop_table("list_versions")
