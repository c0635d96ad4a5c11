"""Screened shipment in, alerts out: the service layer between the handler and the repository.

`process_screened` is the public entry point for any component that has a ScreenedShipment and
a database session (the consumer, rescreening, the demo). It works inside the caller's
transaction: the shipment, its parties, the alerts, their history and the `alerts.v1` events (in
the outbox) commit together or not at all.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from services.alerting.events import alert_event, content_hash, merge_matches, stored_match
from services.alerting.repository import alerts as alert_rows
from services.alerting.repository import lists, outbox, shipments, suppressions
from services.alerting.rules import (
    AlertDecision,
    EntryRef,
    SuppressionRule,
    evaluate,
    inconsistencies,
    severity_for,
    suppression_active,
    suppression_rule,
)
from services.alerting.rules_config import AlertRules
from shared.db.models import Alert
from shared.schemas import AlertEvent, ScreenedShipment

_RAISED_NAMESPACE = uuid.UUID("a3f2d6c8-4c1e-4f7e-9a51-3b7c0e2f9d14")


class InvalidScreening(ValueError):
    """The screening contradicts its shipment: it can never be processed."""


@dataclass(frozen=True)
class Raised:
    list_id: str
    severity: str
    reason: str


@dataclass
class Outcome:
    shipment_key: str
    events: list[AlertEvent] = field(default_factory=list)
    raised: list[Raised] = field(default_factory=list)
    suppressed: int = 0
    stale: bool = False
    """A newer screening of the shipment was already stored: this one changed nothing."""


def raised_event_id(alert_id: str) -> str:
    """Deterministic: an alert is raised once, so its `raised` event has one id."""
    return str(uuid.uuid5(_RAISED_NAMESPACE, alert_id))


def check_screened(screened: ScreenedShipment) -> None:
    problems = inconsistencies(screened)
    if problems:
        raise InvalidScreening("; ".join(problems))


def process_screened(
    session: Session,
    screened: ScreenedShipment,
    rules: AlertRules,
    now: datetime,
    *,
    changed_entries: Collection[EntryRef] | None = None,
) -> Outcome:
    """Persist one screened shipment; raise or update its alerts; queue their events.

    Idempotent: processing the same screening again changes nothing and emits nothing. An alert
    that exists is never raised again; it emits `updated` only when its evidence or severity
    changed. In a rescreen, a new alert's reason is `newly_listed` when its entry is in
    `changed_entries` (default: entries whose current version was loaded after the shipment's
    previous screening).
    """
    return process_batch(session, [screened], rules, now, changed_entries=changed_entries)[0]


def process_batch(
    session: Session,
    batch: Sequence[ScreenedShipment],
    rules: AlertRules,
    now: datetime,
    *,
    changed_entries: Collection[EntryRef] | None = None,
) -> list[Outcome]:
    for screened in batch:
        check_screened(screened)
    # Counterparties are shared across partitions: upsert them all first, in key order, so
    # that two workers' batches cannot deadlock on them.
    shipments.save_counterparties(
        session, itertools.chain.from_iterable(shipments.counterparties_of(s) for s in batch), now
    )
    return [_process_one(session, s, rules, now, changed_entries) for s in batch]


def _process_one(
    session: Session,
    screened: ScreenedShipment,
    rules: AlertRules,
    now: datetime,
    changed_entries: Collection[EntryRef] | None,
) -> Outcome:
    key = screened.shipment.key
    outcome = Outcome(shipment_key=key)
    previous_screened_at = shipments.last_screened_at(session, key)
    if not shipments.save_shipment(session, screened, now):
        outcome.stale = True
        return outcome
    refs = {(m.list_id, m.entry_id) for p in screened.screening.parties for m in p.matches}
    if screened.screening.rescreen and changed_entries is None and previous_screened_at:
        changed_entries = lists.entries_changed_since(session, refs, previous_screened_at)
    evaluation = evaluate(
        screened, rules, _active_suppressions(session, refs, now), changed_entries
    )
    suppressions.record_hits(session, key, evaluation.suppressed, now)
    outcome.suppressed = len(evaluation.suppressed)
    existing = alert_rows.lock_alerts(session, [d.alert_id for d in evaluation.alerts])
    for decision in evaluation.alerts:
        alert = existing.get(decision.alert_id)
        if alert is None and _insert(session, screened, decision, now):
            outcome.raised.append(Raised(decision.list_id, decision.severity, decision.reason))
            outcome.events.append(_raised_event(session, decision.alert_id))
            continue
        alert = alert or alert_rows.lock_alert(session, decision.alert_id)
        assert alert is not None, "inserted concurrently, so it exists"
        event = _update(session, alert, screened, decision, rules, now)
        if event is not None:
            outcome.events.append(event)
    outbox.record_events(session, outcome.events, now)
    return outcome


def _active_suppressions(
    session: Session, refs: set[EntryRef], now: datetime
) -> list[SuppressionRule]:
    candidates = suppressions.unexpired_for(session, refs, now)
    if not candidates:
        return []
    fingerprints = lists.entry_fingerprints(session, {(s.list_id, s.entry_id) for s in candidates})
    return [
        suppression_rule(
            suppression_id=s.suppression_id,
            list_id=s.list_id,
            entry_id=s.entry_id,
            name=s.name,
            identifier_type=s.identifier_type,
            identifier_value=s.identifier_value,
        )
        for s in candidates
        if suppression_active(
            expires_at=s.expires_at,
            revoked_at=s.revoked_at,
            fingerprint_then=s.entry_fingerprint,
            fingerprint_now=fingerprints.get((s.list_id, s.entry_id)),
            now=now,
        )
    ]


def _insert(
    session: Session, screened: ScreenedShipment, decision: AlertDecision, now: datetime
) -> bool:
    matches = [stored_match(m) for m in decision.matches]
    risk_flags = [f.model_dump(mode="json") for f in screened.screening.risk_flags]
    inserted = alert_rows.insert_alert(
        session,
        {
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
        },
    )
    if inserted:
        alert_rows.add_history(
            session,
            alert_rows.HistoryEntry(
                alert_id=decision.alert_id,
                at=now,
                action="raised",
                to_status="open",
                details={
                    "reason": decision.reason,
                    "severity": decision.severity,
                    "rescreen": screened.screening.rescreen,
                },
            ),
        )
    return inserted


def _raised_event(session: Session, alert_id: str) -> AlertEvent:
    alert = alert_rows.get_alert(session, alert_id)
    assert alert is not None
    return alert_event(alert, "raised", alert.last_event_id)


def _update(
    session: Session,
    alert: Alert,
    screened: ScreenedShipment,
    decision: AlertDecision,
    rules: AlertRules,
    now: datetime,
) -> AlertEvent | None:
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
    note = "rescreened: " if screened.screening.rescreen else "evidence changed: "
    note += ", ".join(changed)
    alert.entry_name = decision.entry_name
    alert.severity = severity
    alert.score = best_score
    alert.identifier_match = identifier_match
    alert.matches = matches
    alert.risk_flags = risk_flags
    alert.content_hash = digest
    return record_update(session, alert, now, note=note, action="updated", details={})


def record_update(
    session: Session,
    alert: Alert,
    now: datetime,
    *,
    note: str,
    action: str,
    details: dict[str, object],
    history: alert_rows.HistoryEntry | None = None,
) -> AlertEvent:
    """Stamp an `updated` event on a changed alert and add its history line (the caller's, or
    a system one); the event is returned for the outbox."""
    alert.updated_at = now
    alert.last_event = "updated"
    alert.last_event_id = str(uuid.uuid4())
    alert.note = note
    alert_rows.add_history(
        session,
        history
        or alert_rows.HistoryEntry(
            alert_id=alert.alert_id, at=now, action=action, comment=note, details=details
        ),
    )
    return alert_event(alert, "updated", alert.last_event_id, note)
