"""The `alerts.v1` outbox: events are written in the transaction that caused them, together with
one webhook delivery per subscribed webhook, and published by a separate worker afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from services.alerting.events import encode_event
from services.alerting.repository.dialect import insert
from shared.db.models import AlertOutbox, Webhook, WebhookDelivery
from shared.schemas import AlertEvent

_DELIVERY_NAMESPACE = uuid.UUID("0c7f64b5-86a4-4f0f-a1a3-0d8ab2a3c6b1")


def delivery_id(webhook_id: str, event_id: str) -> str:
    """Stable per (webhook, event): also the Idempotency-Key a receiver sees on every retry."""
    return str(uuid.uuid5(_DELIVERY_NAMESPACE, f"{webhook_id}|{event_id}"))


def record_events(session: Session, events: Sequence[AlertEvent], now: datetime) -> None:
    if not events:
        return
    webhooks = list(session.scalars(select(Webhook).where(Webhook.active.is_(True))))
    rows = [
        {
            "event_id": event.event_id,
            "alert_id": event.alert_id,
            "event_type": event.event,
            "payload": encode_event(event).decode(),
            "created_at": now,
            "published_at": None,
        }
        for event in events
    ]
    deliveries = [
        {
            "delivery_id": delivery_id(hook.webhook_id, str(event.event_id)),
            "webhook_id": hook.webhook_id,
            "event_id": event.event_id,
            "alert_id": event.alert_id,
            "event_type": event.event,
            "state": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for event in events
        for hook in webhooks
        if event.event in hook.events
    ]
    assert all(row["event_id"] for row in rows), "every stored event has an id"
    # Rows in order: outbox_id (the publishing order) follows the order of `events`.
    insert(session, AlertOutbox, rows, _new_events)
    if deliveries:
        insert(session, WebhookDelivery, deliveries, _new_deliveries)


def _new_events(stmt: Any, postgres: bool) -> Any:
    return stmt.on_conflict_do_nothing(index_elements=["event_id"])


def _new_deliveries(stmt: Any, postgres: bool) -> Any:
    return stmt.on_conflict_do_nothing(index_elements=["delivery_id"])


def unpublished(session: Session, limit: int) -> list[AlertOutbox]:
    """The oldest unpublished events, locked: a second publisher skips them."""
    return list(
        session.scalars(
            select(AlertOutbox)
            .where(AlertOutbox.published_at.is_(None))
            .order_by(AlertOutbox.outbox_id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )


def mark_published(session: Session, outbox_ids: Sequence[int], now: datetime) -> None:
    if outbox_ids:
        session.execute(
            update(AlertOutbox)
            .where(AlertOutbox.outbox_id.in_(list(outbox_ids)))
            .values(published_at=now)
        )


def unpublished_count(session: Session) -> int:
    query = select(func.count()).select_from(AlertOutbox).where(AlertOutbox.published_at.is_(None))
    return int(session.scalar(query) or 0)
