"""Suppressions and the matches they kept from alerting."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from services.alerting.repository.dialect import insert
from services.alerting.rules import SuppressedMatch
from shared.db.models import Suppression, SuppressionHit

EntryRef = tuple[str, str]


def add_suppression(session: Session, suppression: Suppression) -> None:
    session.add(suppression)


def get_suppression(session: Session, suppression_id: str) -> Suppression | None:
    return session.get(Suppression, suppression_id)


def list_suppressions(
    session: Session,
    *,
    now: datetime,
    include_inactive: bool,
    list_id: str | None = None,
    entry_id: str | None = None,
) -> list[Suppression]:
    query = select(Suppression)
    if not include_inactive:
        query = query.where(Suppression.revoked_at.is_(None), Suppression.expires_at > now)
    if list_id is not None:
        query = query.where(Suppression.list_id == list_id)
    if entry_id is not None:
        query = query.where(Suppression.entry_id == entry_id)
    return list(session.scalars(query.order_by(Suppression.created_at.desc())))


def unexpired_for(session: Session, refs: Collection[EntryRef], now: datetime) -> list[Suppression]:
    """Unrevoked, unexpired suppressions of these entries (the entry check is the caller's)."""
    if not refs:
        return []
    return list(
        session.scalars(
            select(Suppression).where(
                tuple_(Suppression.list_id, Suppression.entry_id).in_(list(refs)),
                Suppression.revoked_at.is_(None),
                Suppression.expires_at > now,
            )
        )
    )


def record_hits(
    session: Session, hits: Sequence[tuple[str, SuppressedMatch]], now: datetime
) -> None:
    """Upsert (shipment key, suppressed match) pairs."""
    if not hits:
        return
    rows = {
        (h.suppression_id, key, h.party_index): {
            "suppression_id": h.suppression_id,
            "shipment_key": key,
            "party_index": h.party_index,
            "score": h.score,
            "at": now,
        }
        for key, h in hits
    }
    insert(session, SuppressionHit, list(rows.values()), _upsert_hits)


def _upsert_hits(stmt: Any, postgres: bool) -> Any:
    return stmt.on_conflict_do_update(
        index_elements=["suppression_id", "shipment_key", "party_index"],
        set_={"score": stmt.excluded.score, "at": stmt.excluded.at},
    )


def hit_counts(session: Session, suppression_ids: Sequence[str]) -> dict[str, int]:
    if not suppression_ids:
        return {}
    rows = session.execute(
        select(SuppressionHit.suppression_id, func.count())
        .where(SuppressionHit.suppression_id.in_(list(suppression_ids)))
        .group_by(SuppressionHit.suppression_id)
    )
    return {sid: int(count) for sid, count in rows}
