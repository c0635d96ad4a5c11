"""Alerts, their history, the event outbox, suppressions, webhooks and their deliveries.

Revision ID: 0004_alerts
Revises: 0003_shipments
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004_alerts"
down_revision = "0003_shipments"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _at(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _alerts() -> None:
    op.create_table(
        "alerts",
        sa.Column("alert_id", sa.String(36), primary_key=True),
        sa.Column(
            "shipment_key", sa.Text(), sa.ForeignKey("shipments.shipment_key"), nullable=False
        ),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("shipment_id", sa.String(200), nullable=False),
        sa.Column("list_id", sa.Text(), nullable=False),
        sa.Column("entry_id", sa.Text(), nullable=False),
        sa.Column("entry_name", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("identifier_match", sa.Boolean(), nullable=False),
        sa.Column("matches", JSON, nullable=False),
        sa.Column("risk_flags", JSON, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        _at("raised_at"),
        _at("updated_at"),
        _at("status_changed_at"),
        sa.Column("escalated_by_key", sa.String(32), nullable=True),
        sa.Column("escalated_by_name", sa.String(200), nullable=True),
        _at("delisted_at", nullable=True),
        sa.Column("last_event", sa.String(10), nullable=False),
        sa.Column("last_event_id", sa.String(36), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
    )
    op.create_index("ix_alerts_shipment_key", "alerts", ["shipment_key"])
    op.create_index("ix_alerts_source", "alerts", ["source"])
    op.create_index("ix_alerts_status", "alerts", ["status"])
    op.create_index("ix_alerts_severity", "alerts", ["severity"])
    op.create_index("ix_alerts_raised_at_alert_id", "alerts", ["raised_at", "alert_id"])
    op.create_index("ix_alerts_list_entry", "alerts", ["list_id", "entry_id"])
    op.create_table(
        "alert_history",
        sa.Column("history_id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column(
            "alert_id",
            sa.String(36),
            sa.ForeignKey("alerts.alert_id", ondelete="CASCADE"),
            nullable=False,
        ),
        _at("at"),
        sa.Column("actor_key_id", sa.String(32), nullable=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("from_status", sa.String(20), nullable=True),
        sa.Column("to_status", sa.String(20), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("details", JSON, nullable=False),
    )
    op.create_index("ix_alert_history_alert_id", "alert_history", ["alert_id"])
    op.create_table(
        "alert_outbox",
        sa.Column("outbox_id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("alert_id", sa.String(36), nullable=False),
        sa.Column("event_type", sa.String(10), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        _at("created_at"),
        _at("published_at", nullable=True),
    )
    op.create_index("ix_alert_outbox_alert_id", "alert_outbox", ["alert_id"])
    op.create_index("ix_alert_outbox_unpublished", "alert_outbox", ["published_at", "outbox_id"])


def _suppressions() -> None:
    op.create_table(
        "suppressions",
        sa.Column("suppression_id", sa.String(36), primary_key=True),
        sa.Column("list_id", sa.Text(), nullable=False),
        sa.Column("entry_id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("name_norm", sa.Text(), nullable=True),
        sa.Column("identifier_type", sa.String(50), nullable=True),
        sa.Column("identifier_value", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("entry_fingerprint", sa.String(64), nullable=True),
        sa.Column("created_by_key", sa.String(32), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        _at("created_at"),
        _at("expires_at"),
        _at("revoked_at", nullable=True),
        sa.Column("revoked_by", sa.String(200), nullable=True),
    )
    op.create_index("ix_suppressions_list_entry", "suppressions", ["list_id", "entry_id"])
    op.create_table(
        "suppression_hits",
        sa.Column(
            "suppression_id",
            sa.String(36),
            sa.ForeignKey("suppressions.suppression_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("shipment_key", sa.Text(), primary_key=True),
        sa.Column("party_index", sa.Integer(), primary_key=True),
        sa.Column("score", sa.Float(), nullable=False),
        _at("at"),
    )


def _webhooks() -> None:
    op.create_table(
        "webhooks",
        sa.Column("webhook_id", sa.String(36), primary_key=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("events", JSON, nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        _at("created_at"),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("delivery_id", sa.String(36), primary_key=True),
        sa.Column(
            "webhook_id",
            sa.String(36),
            sa.ForeignKey("webhooks.webhook_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "event_id", sa.String(36), sa.ForeignKey("alert_outbox.event_id"), nullable=False
        ),
        sa.Column("alert_id", sa.String(36), nullable=False),
        sa.Column("event_type", sa.String(10), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _at("next_attempt_at"),
        _at("last_attempt_at", nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        _at("delivered_at", nullable=True),
        _at("created_at"),
    )
    op.create_index("ix_webhook_deliveries_webhook_id", "webhook_deliveries", ["webhook_id"])
    op.create_index("ix_webhook_deliveries_due", "webhook_deliveries", ["state", "next_attempt_at"])


def upgrade() -> None:
    _alerts()
    _suppressions()
    _webhooks()


def downgrade() -> None:
    for table in (
        "webhook_deliveries",
        "webhooks",
        "suppression_hits",
        "suppressions",
        "alert_outbox",
        "alert_history",
        "alerts",
    ):
        op.drop_table(table)
