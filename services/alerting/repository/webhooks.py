"""Webhook subscriptions and the state of their deliveries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from shared.db.models import AlertOutbox, Webhook, WebhookDelivery


@dataclass(frozen=True)
class DueDelivery:
    delivery_id: str
    webhook_id: str
    event_id: str
    url: str
    secret: str
    payload: bytes
    attempts: int


def add_webhook(session: Session, webhook: Webhook) -> None:
    session.add(webhook)


def list_webhooks(session: Session) -> list[Webhook]:
    return list(session.scalars(select(Webhook).order_by(Webhook.created_at, Webhook.webhook_id)))


def get_webhook(session: Session, webhook_id: str) -> Webhook | None:
    return session.get(Webhook, webhook_id)


def deactivate_webhook(session: Session, webhook: Webhook, now: datetime) -> None:
    webhook.active = False
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == webhook.webhook_id, WebhookDelivery.state == "pending")
        .values(state="failed", last_error="webhook deleted", last_attempt_at=now)
    )


def deliveries(
    session: Session, webhook_id: str, state: str | None, limit: int
) -> list[WebhookDelivery]:
    query = select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id)
    if state is not None:
        query = query.where(WebhookDelivery.state == state)
    return list(
        session.scalars(
            query.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.delivery_id).limit(
                limit
            )
        )
    )


def claim_due(session: Session, now: datetime, limit: int, lease: timedelta) -> list[DueDelivery]:
    """Pending deliveries whose time has come, leased for `lease`: another worker (or this one
    after a crash) takes them only when the lease ends, so a delivery is tried at least once."""
    rows = session.execute(
        select(WebhookDelivery, Webhook.url, Webhook.secret, AlertOutbox.payload)
        .join(Webhook, Webhook.webhook_id == WebhookDelivery.webhook_id)
        .join(AlertOutbox, AlertOutbox.event_id == WebhookDelivery.event_id)
        .where(
            WebhookDelivery.state == "pending",
            WebhookDelivery.next_attempt_at <= now,
            Webhook.active.is_(True),
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.delivery_id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=WebhookDelivery)
    ).all()
    due: list[DueDelivery] = []
    for delivery, url, secret, payload in rows:
        delivery.next_attempt_at = now + lease
        due.append(
            DueDelivery(
                delivery_id=delivery.delivery_id,
                webhook_id=delivery.webhook_id,
                event_id=delivery.event_id,
                url=url,
                secret=secret,
                payload=payload.encode(),
                attempts=delivery.attempts,
            )
        )
    return due


@dataclass(frozen=True)
class Attempt:
    delivery_id: str
    at: datetime
    delivered: bool
    status_code: int | None
    error: str | None
    next_attempt_at: datetime | None
    """None: no retry left (failed), or delivered."""


def record_attempt(session: Session, attempt: Attempt) -> None:
    delivery = session.get(WebhookDelivery, attempt.delivery_id, with_for_update=True)
    if delivery is None or delivery.state != "pending":
        return
    delivery.attempts += 1
    delivery.last_attempt_at = attempt.at
    delivery.last_status_code = attempt.status_code
    delivery.last_error = attempt.error
    if attempt.delivered:
        delivery.state = "delivered"
        delivery.delivered_at = attempt.at
    elif attempt.next_attempt_at is None:
        delivery.state = "failed"
    else:
        delivery.next_attempt_at = attempt.next_attempt_at


def pending_count(session: Session, webhook_ids: Sequence[str] | None = None) -> int:
    query = select(func.count()).select_from(WebhookDelivery)
    query = query.where(WebhookDelivery.state == "pending")
    if webhook_ids is not None:
        query = query.where(WebhookDelivery.webhook_id.in_(list(webhook_ids)))
    return int(session.scalar(query) or 0)


def delivery_counts(session: Session) -> dict[str, dict[str, int]]:
    """webhook id -> state -> count."""
    rows = session.execute(
        select(WebhookDelivery.webhook_id, WebhookDelivery.state, func.count()).group_by(
            WebhookDelivery.webhook_id, WebhookDelivery.state
        )
    )
    counts: dict[str, dict[str, int]] = {}
    for webhook_id, state, count in rows:
        counts.setdefault(webhook_id, {})[state] = int(count)
    return counts
