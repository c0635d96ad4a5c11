"""Drop the index on `shipment_parties.declared_at` alone: no query uses it (rescreen reads a
window through `(counterparty_id, declared_at)`), and every stored party paid for it.

Revision ID: 0005_shipment_parties_date_index
Revises: 0004_alerts
"""

from alembic import op

revision = "0005_shipment_parties_date_index"
down_revision = "0004_alerts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_shipment_parties_declared_at", table_name="shipment_parties")


def downgrade() -> None:
    op.create_index("ix_shipment_parties_declared_at", "shipment_parties", ["declared_at"])
