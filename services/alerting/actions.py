"""What analysts and list changes do to existing alerts: transitions, delisting."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from services.alerting.alert_changes import record_update
from services.alerting.repository import alerts as alert_rows
from services.alerting.repository import outbox
from services.alerting.workflow import OPEN_STATUSES, Actor, check_transition
from shared.db.models import Alert
from shared.schemas import AlertEvent


class AlertNotFound(LookupError):
    pass


def transition_alert(
    session: Session,
    alert_id: str,
    *,
    to: str,
    actor: Actor,
    comment: str | None,
    now: datetime,
) -> Alert:
    """Move an alert to `to` (workflow.check_transition decides), record who did it, and queue
    an `updated` event. Raises AlertNotFound or workflow.TransitionRefused."""
    alert = alert_rows.lock_alert(session, alert_id)
    if alert is None:
        raise AlertNotFound(alert_id)
    escalated_by = (
        Actor(alert.escalated_by_key, alert.escalated_by_name or "")
        if alert.escalated_by_key is not None
        else None
    )
    check_transition(
        current=alert.status, to=to, actor=actor, escalated_by=escalated_by, comment=comment
    )
    before = alert.status
    alert.status = to
    alert.status_changed_at = now
    if to == "escalated":
        alert.escalated_by_key = actor.key_id
        alert.escalated_by_name = actor.name
    note = f"status {before} -> {to} by {actor.name}"
    event = record_update(
        session,
        alert,
        now,
        note=note,
        history=alert_rows.HistoryEntry(
            alert_id=alert_id,
            at=now,
            action="transition",
            actor=actor.name,
            actor_key_id=actor.key_id,
            from_status=before,
            to_status=to,
            comment=comment,
        ),
    )
    outbox.record_events(session, [event], now)
    return alert


def mark_delisted(
    session: Session, list_id: str, entry_id: str, now: datetime | None = None
) -> list[AlertEvent]:
    """The entry left its list: each alert still being worked gets an `updated` event with the
    note "delisted" and stays open for an analyst to close; closed alerts are left alone."""
    now = now or datetime.now(UTC)
    events: list[AlertEvent] = []
    for alert in alert_rows.open_alerts_for_entry(session, list_id, entry_id, OPEN_STATUSES):
        if alert.delisted_at is not None:
            continue
        alert.delisted_at = now
        events.append(
            record_update(
                session,
                alert,
                now,
                note="delisted",
                action="delisted",
                details={"list": list_id, "entry_id": entry_id},
            )
        )
    outbox.record_events(session, events, now)
    return events
