"""Screened shipments in, alerts out: the service layer between the handler and the repository.

`process_screened` is the public entry point for any component that has a ScreenedShipment and
a database session (the consumer, rescreening, the demo). It works inside the caller's
transaction: the shipment, its parties, the alerts, their history and the `alerts.v1` events (in
the outbox) commit together or not at all. A batch is a fixed number of statements, whatever its
size: every step reads or writes all of its shipments at once.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from services.alerting.alert_changes import apply_update, new_alert_row, record_update
from services.alerting.events import alert_event
from services.alerting.recent import RecentCounterparties
from services.alerting.repository import alerts as alert_rows
from services.alerting.repository import lists, outbox, shipments, suppressions
from services.alerting.rules import (
    AlertDecision,
    EntryRef,
    Evaluation,
    SuppressionRule,
    entry_refs,
    evaluate,
    inconsistencies,
    suppression_active,
    suppression_rule,
)
from services.alerting.rules_config import AlertRules
from shared.schemas import AlertEvent, ScreenedShipment

__all__ = ["InvalidScreening", "Outcome", "Raised", "process_batch", "process_screened"]


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
    """A newer screening of the shipment was already stored (or is later in the same batch):
    this one changed nothing."""


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
    previous screening, or that are not in the list tables).
    """
    return process_batch(session, [screened], rules, now, changed_entries=changed_entries)[0]


def process_batch(
    session: Session,
    batch: Sequence[ScreenedShipment],
    rules: AlertRules,
    now: datetime,
    *,
    changed_entries: Collection[EntryRef] | None = None,
    recent: RecentCounterparties | None = None,
) -> list[Outcome]:
    """`process_screened` for many shipments at once; one Outcome per input, in order.
    `recent`: the counterparties the caller's earlier transactions stored (it must call
    `recent.committed()` or `recent.forget()` once this transaction ends)."""
    for screened in batch:
        check_screened(screened)
    keys = [s.shipment.key for s in batch]
    outcomes = [Outcome(key) for key in keys]
    newest: dict[str, int] = {}
    for index, screened in enumerate(batch):
        known = newest.get(keys[index])
        if known is None or screened.screening.screened_at >= batch[known].screening.screened_at:
            newest[keys[index]] = index
    chosen = sorted(newest.values())
    seen = [shipments.counterparties_of(batch[i]) for i in chosen]
    # Counterparties are shared across partitions: upsert them all first, in key order, so
    # that two workers' batches cannot deadlock on them.
    shipments.save_counterparties(session, itertools.chain.from_iterable(seen), now, recent)
    # Only a rescreen without `changed_entries` asks when its shipment was screened before.
    asks = [i for i in chosen if changed_entries is None and batch[i].screening.rescreen]
    previous = shipments.last_screened_at(session, [keys[i] for i in asks]) if asks else {}
    written = shipments.save_shipments(session, [batch[i] for i in chosen], seen, now)
    live = [i for i in chosen if keys[i] in written]
    live_set = set(live)
    for index, outcome in enumerate(outcomes):
        outcome.stale = index not in live_set
    evaluations = _evaluate(
        session, [batch[i] for i in live], previous, rules, now, changed_entries
    )
    suppressions.record_hits(
        session,
        [(keys[i], h) for i, e in zip(live, evaluations, strict=True) for h in e.suppressed],
        now,
    )
    decisions = [(i, d) for i, e in zip(live, evaluations, strict=True) for d in e.alerts]
    events = _apply(session, batch, decisions, outcomes, rules, now)
    for i, evaluation in zip(live, evaluations, strict=True):
        outcomes[i].suppressed = len(evaluation.suppressed)
    outbox.record_events(session, events, now)
    return outcomes


def _evaluate(
    session: Session,
    live: Sequence[ScreenedShipment],
    previous: dict[str, datetime],
    rules: AlertRules,
    now: datetime,
    changed_entries: Collection[EntryRef] | None,
) -> list[Evaluation]:
    refs = set().union(*(entry_refs(s) for s in live))
    active = _active_suppressions(session, refs, now)
    needs_dates = changed_entries is None and any(s.screening.rescreen for s in live)
    loaded = lists.entries_loaded_at(session, refs) if needs_dates else {}
    evaluations = []
    for screened in live:
        changed = changed_entries
        since = previous.get(screened.shipment.key)
        if screened.screening.rescreen and changed is None and since is not None:
            changed = {ref for ref in refs if ref not in loaded or loaded[ref] > since}
        evaluations.append(evaluate(screened, rules, active, changed))
    return evaluations


def _apply(
    session: Session,
    batch: Sequence[ScreenedShipment],
    decisions: list[tuple[int, AlertDecision]],
    outcomes: list[Outcome],
    rules: AlertRules,
    now: datetime,
) -> list[AlertEvent]:
    """Insert new alerts, update changed ones; return their events in batch order."""
    existing = alert_rows.lock_alerts(session, [d.alert_id for _, d in decisions])
    fresh = {
        d.alert_id: new_alert_row(batch[i], d, now)
        for i, d in decisions
        if d.alert_id not in existing
    }
    inserted = alert_rows.insert_alerts(session, list(fresh.values()))
    if len(inserted) < len(fresh):  # raised concurrently elsewhere: update those instead
        existing.update(alert_rows.lock_alerts(session, sorted(set(fresh) - inserted)))
    alert_rows.add_history(
        session,
        [
            alert_rows.HistoryEntry(
                alert_id=alert_id,
                at=now,
                action="raised",
                to_status="open",
                details={"reason": row["reason"], "severity": row["severity"]},
            )
            for alert_id, row in fresh.items()
            if alert_id in inserted
        ],
    )
    events: list[AlertEvent] = []
    for index, decision in decisions:
        if decision.alert_id in inserted:
            row = fresh[decision.alert_id]
            event = alert_event(
                _Snapshot(**{k: row[k] for k in _SNAPSHOT}), "raised", row["last_event_id"]
            )
            outcomes[index].raised.append(
                Raised(decision.list_id, decision.severity, decision.reason)
            )
        else:
            update = apply_update(existing[decision.alert_id], batch[index], decision, rules)
            if update is None:
                continue
            event = record_update(session, existing[decision.alert_id], now, note=update)
        outcomes[index].events.append(event)
        events.append(event)
    return events


_SNAPSHOT = (
    "alert_id",
    "shipment_id",
    "source",
    "status",
    "severity",
    "raised_at",
    "reason",
    "matches",
)


@dataclass(frozen=True)
class _Snapshot:
    alert_id: str
    shipment_id: str
    source: str
    status: str
    severity: str
    raised_at: datetime
    reason: str
    matches: list[dict[str, object]]


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
