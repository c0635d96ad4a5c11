"""Alerts with their evidence and history, suppressions, and the event and webhook outboxes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from shared.db.base import Base
from shared.db.types import JsonType, UtcDateTime

# SQLite only auto-increments an INTEGER PRIMARY KEY (the demo runs on SQLite).
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Alert(Base):
    """One alert per (shipment, list, entry); `alert_id` is shared.schemas.alert_id of those."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index("ix_alerts_raised_at_alert_id", "raised_at", "alert_id"),
        Index("ix_alerts_list_entry", "list_id", "entry_id"),
    )

    alert_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    shipment_key: Mapped[str] = mapped_column(
        Text, ForeignKey("shipments.shipment_key"), index=True
    )
    source: Mapped[str] = mapped_column(String(100), index=True)
    shipment_id: Mapped[str] = mapped_column(String(200))
    list_id: Mapped[str] = mapped_column(Text)
    entry_id: Mapped[str] = mapped_column(Text)
    entry_name: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), index=True)
    severity: Mapped[str] = mapped_column(String(10), index=True)
    reason: Mapped[str] = mapped_column(String(40))
    score: Mapped[float] = mapped_column(Float, doc="best score among the matches")
    identifier_match: Mapped[bool] = mapped_column(Boolean)
    matches: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, doc="one per matched party")
    risk_flags: Mapped[list[dict[str, Any]]] = mapped_column(JsonType)
    content_hash: Mapped[str] = mapped_column(String(64), doc="of what an `updated` reports")
    raised_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status_changed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    escalated_by_key: Mapped[str | None] = mapped_column(String(32))
    escalated_by_name: Mapped[str | None] = mapped_column(String(200))
    delisted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_event: Mapped[str] = mapped_column(String(10))
    last_event_id: Mapped[str] = mapped_column(String(36))
    note: Mapped[str | None] = mapped_column(Text)


class AlertHistory(Base):
    """Who did what to an alert, when: raised, updated, transition, delisted."""

    __tablename__ = "alert_history"

    history_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    alert_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("alerts.alert_id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor_key_id: Mapped[str | None] = mapped_column(String(32), doc="None for the system")
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JsonType)


class AlertOutbox(Base):
    """`alerts.v1` events written in the transaction that caused them; published afterwards."""

    __tablename__ = "alert_outbox"
    __table_args__ = (Index("ix_alert_outbox_unpublished", "published_at", "outbox_id"),)

    outbox_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    alert_id: Mapped[str] = mapped_column(String(36), index=True)
    event_type: Mapped[str] = mapped_column(String(10))
    payload: Mapped[str] = mapped_column(Text, doc="the AlertEvent JSON, exactly as published")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Suppression(Base):
    """A counterparty (by name or identifier) that must not alert against one list entry."""

    __tablename__ = "suppressions"
    __table_args__ = (Index("ix_suppressions_list_entry", "list_id", "entry_id"),)

    suppression_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    list_id: Mapped[str] = mapped_column(Text)
    entry_id: Mapped[str] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(Text)
    name_norm: Mapped[str | None] = mapped_column(Text)
    identifier_type: Mapped[str | None] = mapped_column(String(50))
    identifier_value: Mapped[str | None] = mapped_column(Text, doc="normalised")
    reason: Mapped[str] = mapped_column(Text)
    entry_fingerprint: Mapped[str | None] = mapped_column(
        String(64), doc="the list entry's content at suppression time; a change lifts it"
    )
    created_by_key: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(200))


class SuppressionHit(Base):
    """A match that a suppression kept from alerting: recorded, not alerted."""

    __tablename__ = "suppression_hits"

    suppression_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("suppressions.suppression_id", ondelete="CASCADE"), primary_key=True
    )
    shipment_key: Mapped[str] = mapped_column(Text, primary_key=True)
    party_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class Webhook(Base):
    """A subscriber URL; the secret signs deliveries, so it is kept (never returned by the API)."""

    __tablename__ = "webhooks"

    webhook_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    events: Mapped[list[str]] = mapped_column(JsonType)
    secret: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class WebhookDelivery(Base):
    """One event to one webhook: pending until delivered, or failed after the last attempt."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_due", "state", "next_attempt_at"),)

    delivery_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    webhook_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("webhooks.webhook_id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[str] = mapped_column(String(36), ForeignKey("alert_outbox.event_id"))
    alert_id: Mapped[str] = mapped_column(String(36))
    event_type: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
