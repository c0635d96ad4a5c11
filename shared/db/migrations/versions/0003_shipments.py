"""Screened shipments, their parties and the distinct counterparties.

Revision ID: 0003_shipments
Revises: 0002_watchlists
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003_shipments"
down_revision = "0002_watchlists"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _at(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "shipments",
        sa.Column("shipment_key", sa.Text(), primary_key=True),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("shipment_id", sa.String(200), nullable=False),
        _at("declared_at", nullable=True),
        sa.Column("direction", sa.String(20), nullable=True),
        sa.Column("origin_country", sa.String(2), nullable=True),
        sa.Column("destination_country", sa.String(2), nullable=True),
        sa.Column("shipment", JSON, nullable=False),
        sa.Column("screening", JSON, nullable=False),
        sa.Column("list_versions", JSON, nullable=False),
        _at("ingested_at", nullable=True),
        _at("first_seen_at"),
        _at("last_screened_at"),
    )
    op.create_index("ix_shipments_declared_at", "shipments", ["declared_at"])
    op.create_table(
        "counterparties",
        sa.Column("counterparty_id", sa.String(32), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_norm", sa.Text(), nullable=False),
        sa.Column("country", sa.String(2), nullable=True),
        sa.Column("identifiers", JSON, nullable=False),
        _at("first_seen_at"),
        _at("last_seen_at"),
        _at("last_declared_at"),
    )
    op.create_index("ix_counterparties_last_declared_at", "counterparties", ["last_declared_at"])
    op.create_table(
        "shipment_parties",
        sa.Column(
            "shipment_key",
            sa.Text(),
            sa.ForeignKey("shipments.shipment_key", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("party_index", sa.Integer(), primary_key=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_norm", sa.Text(), nullable=False),
        sa.Column("country", sa.String(2), nullable=True),
        sa.Column("identifiers", JSON, nullable=False),
        sa.Column(
            "counterparty_id",
            sa.String(32),
            sa.ForeignKey("counterparties.counterparty_id"),
            nullable=False,
        ),
        _at("declared_at"),
    )
    op.create_index("ix_shipment_parties_declared_at", "shipment_parties", ["declared_at"])
    op.create_index(
        "ix_shipment_parties_counterparty_declared",
        "shipment_parties",
        ["counterparty_id", "declared_at"],
    )


def downgrade() -> None:
    op.drop_table("shipment_parties")
    op.drop_table("counterparties")
    op.drop_table("shipments")
