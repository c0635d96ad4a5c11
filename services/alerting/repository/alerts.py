"""Alerts and their history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from services.alerting.repository.dialect import among, insert
from shared.db.models import Alert, AlertHistory

SYSTEM_ACTOR = "system"


@dataclass(frozen=True)
class AlertFilter:
    statuses: Sequence[str] = ()
    sources: Sequence[str] = ()
    lists: Sequence[str] = ()
    severities: Sequence[str] = ()
    since: datetime | None = None
    shipment_key: str | None = None


@dataclass(frozen=True)
class Page:
    items: list[Alert]
    next_after: tuple[datetime, str] | None = None


@dataclass(frozen=True)
class HistoryEntry:
    alert_id: str
    at: datetime
    action: str
    actor: str = SYSTEM_ACTOR
    actor_key_id: str | None = None
    from_status: str | None = None
    to_status: str | None = None
    comment: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def lock_alerts(session: Session, alert_ids: Sequence[str]) -> dict[str, Alert]:
    if not alert_ids:
        return {}
    rows = session.scalars(
        select(Alert)
        .where(among(session, Alert.alert_id, sorted(alert_ids)))
        .order_by(Alert.alert_id)
        .with_for_update()
    )
    return {row.alert_id: row for row in rows}


def lock_alert(session: Session, alert_id: str) -> Alert | None:
    return session.get(Alert, alert_id, with_for_update=True)


def get_alert(session: Session, alert_id: str) -> Alert | None:
    return session.get(Alert, alert_id)


def insert_alerts(session: Session, rows: Sequence[dict[str, Any]]) -> set[str]:
    """Insert those whose id is new (ON CONFLICT DO NOTHING: a concurrent raise won); return the
    ids this call inserted."""
    if not rows:
        return set()
    return set(insert(session, Alert, rows, _insert_new).scalars())


def _insert_new(stmt: Any, postgres: bool) -> Any:
    return stmt.on_conflict_do_nothing(index_elements=["alert_id"]).returning(Alert.alert_id)


def add_history(session: Session, entries: Sequence[HistoryEntry]) -> None:
    if entries:
        insert(
            session,
            AlertHistory,
            [
                {
                    "alert_id": e.alert_id,
                    "at": e.at,
                    "actor_key_id": e.actor_key_id,
                    "actor": e.actor,
                    "action": e.action,
                    "from_status": e.from_status,
                    "to_status": e.to_status,
                    "comment": e.comment,
                    "details": e.details,
                }
                for e in entries
            ],
        )


def history(session: Session, alert_id: str) -> list[AlertHistory]:
    return list(
        session.scalars(
            select(AlertHistory)
            .where(AlertHistory.alert_id == alert_id)
            .order_by(AlertHistory.at, AlertHistory.history_id)
        )
    )


def list_alerts(
    session: Session, where: AlertFilter, limit: int, after: tuple[datetime, str] | None = None
) -> Page:
    """Newest first, by (raised_at, alert_id); `after` is the last item of the previous page."""
    query = select(Alert)
    conditions: list[ColumnElement[bool]] = []
    for column, wanted in (
        (Alert.status, where.statuses),
        (Alert.source, where.sources),
        (Alert.list_id, where.lists),
        (Alert.severity, where.severities),
    ):
        if wanted:
            conditions.append(column.in_(list(wanted)))
    if where.since is not None:
        conditions.append(Alert.raised_at >= where.since)
    if where.shipment_key is not None:
        conditions.append(Alert.shipment_key == where.shipment_key)
    if after is not None:
        raised_at, alert_id = after
        conditions.append(
            or_(
                Alert.raised_at < raised_at,
                and_(Alert.raised_at == raised_at, Alert.alert_id < alert_id),
            )
        )
    rows = list(
        session.scalars(
            query.where(*conditions)
            .order_by(Alert.raised_at.desc(), Alert.alert_id.desc())
            .limit(limit + 1)
        )
    )
    if len(rows) <= limit:
        return Page(rows)
    last = rows[limit - 1]
    return Page(rows[:limit], (last.raised_at, last.alert_id))


def open_alerts_for_entry(
    session: Session, list_id: str, entry_id: str, statuses: Sequence[str]
) -> list[Alert]:
    return list(
        session.scalars(
            select(Alert)
            .where(
                Alert.list_id == list_id,
                Alert.entry_id == entry_id,
                Alert.status.in_(list(statuses)),
            )
            .order_by(Alert.alert_id)
            .with_for_update()
        )
    )


def count_by_status(session: Session) -> dict[str, int]:
    rows = session.execute(select(Alert.status, func.count()).group_by(Alert.status))
    return {status: int(count) for status, count in rows}
