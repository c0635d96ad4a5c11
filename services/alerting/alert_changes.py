"""One alert's row when raised, its changes when screened again, and the `updated` it emits."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from services.alerting.events import alert_event, content_hash, merge_matches, stored_match
from services.alerting.repository import alerts as alert_rows
from services.alerting.rules import AlertDecision, severity_for
from services.alerting.rules_config import AlertRules
from shared.db.models import Alert
from shared.schemas import AlertEvent, ScreenedShipment

_RAISED_NAMESPACE = uuid.UUID("a3f2d6c8-4c1e-4f7e-9a51-3b7c0e2f9d14")


def raised_event_id(alert_id: str) -> str:
    """Deterministic: an alert is raised once, so its `raised` event has one id."""
    return str(uuid.uuid5(_RAISED_NAMESPACE, alert_id))


def new_alert_row(
    screened: ScreenedShipment, decision: AlertDecision, now: datetime
) -> dict[str, Any]:
    matches = [stored_match(m) for m in decision.matches]
    risk_flags = [f.model_dump(mode="json") for f in screened.screening.risk_flags]
    return {
        "alert_id": decision.alert_id,
        "shipment_key": screened.shipment.key,
        "source": screened.shipment.source,
        "shipment_id": screened.shipment.shipment_id,
        "list_id": decision.list_id,
        "entry_id": decision.entry_id,
        "entry_name": decision.entry_name,
        "status": "open",
        "severity": decision.severity,
        "reason": decision.reason,
        "score": max(m["score"] for m in matches),
        "identifier_match": any(m["identifier_match"] for m in matches),
        "matches": matches,
        "risk_flags": risk_flags,
        "content_hash": content_hash(
            entry_name=decision.entry_name,
            severity=decision.severity,
            matches=matches,
            risk_flags=risk_flags,
        ),
        "raised_at": now,
        "updated_at": now,
        "status_changed_at": now,
        "last_event": "raised",
        "last_event_id": raised_event_id(decision.alert_id),
    }


def apply_update(
    alert: Alert, screened: ScreenedShipment, decision: AlertDecision, rules: AlertRules
) -> str | None:
    """Fold a new screening into an existing alert. None when nothing an `updated` event would
    report changed (the alert is untouched); otherwise the note saying what changed."""
    matches = merge_matches(alert.matches, [stored_match(m) for m in decision.matches])
    risk_flags = [f.model_dump(mode="json") for f in screened.screening.risk_flags]
    best_score = max(m["score"] for m in matches)
    identifier_match = any(m["identifier_match"] for m in matches)
    severity = severity_for(
        best_score=best_score,
        identifier_match=identifier_match,
        risk_flags=screened.screening.risk_flags,
        list_rule=rules.for_list(alert.list_id),
        rules=rules,
    )
    digest = content_hash(
        entry_name=decision.entry_name, severity=severity, matches=matches, risk_flags=risk_flags
    )
    if digest == alert.content_hash:
        return None
    changed = [
        name
        for name, old, new in (
            ("severity", alert.severity, severity),
            ("score", alert.score, best_score),
            ("matches", alert.matches, matches),
            ("risk_flags", alert.risk_flags, risk_flags),
            ("entry_name", alert.entry_name, decision.entry_name),
        )
        if old != new
    ]
    alert.entry_name = decision.entry_name
    alert.severity = severity
    alert.score = best_score
    alert.identifier_match = identifier_match
    alert.matches = matches
    alert.risk_flags = risk_flags
    alert.content_hash = digest
    prefix = "rescreened: " if screened.screening.rescreen else "evidence changed: "
    return prefix + ", ".join(changed)


def record_update(
    session: Session,
    alert: Alert,
    now: datetime,
    *,
    note: str,
    action: str = "updated",
    details: dict[str, object] | None = None,
    history: alert_rows.HistoryEntry | None = None,
) -> AlertEvent:
    """Stamp an `updated` event on a changed alert and add its history line (the caller's, or a
    system one); the event is returned for the outbox."""
    alert.updated_at = now
    alert.last_event = "updated"
    alert.last_event_id = str(uuid.uuid4())
    alert.note = note
    entry = history or alert_rows.HistoryEntry(
        alert_id=alert.alert_id, at=now, action=action, comment=note, details=details or {}
    )
    alert_rows.add_history(session, [entry])
    return alert_event(alert, "updated", alert.last_event_id, note)
