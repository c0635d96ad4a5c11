"""Screened shipments, their parties and counterparties.

For rescreening: `counterparties_seen_since` is one range scan over an index, and
`shipments_of_counterparties` one over `(counterparty_id, declared_at)`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from services.alerting.counterparties import identity
from services.alerting.recent import RecentCounterparties
from services.alerting.repository.dialect import among, greatest, insert
from services.alerting.rules import VESSEL_INDEX, VESSEL_ROLE, vessel_name
from shared.db.models import Counterparty, ShipmentParty, StoredShipment
from shared.db.models.shipments import COUNTERPARTY_DATE_SLACK
from shared.schemas import ScreenedShipment, Shipment
from shared.schemas.shipment import vessel_identifiers


@dataclass(frozen=True)
class CounterpartySeen:
    counterparty_id: str
    name: str
    name_norm: str
    country: str | None
    identifiers: dict[str, str]
    declared_at: datetime


def shipment_date(screened: ScreenedShipment) -> datetime:
    """The date a shipment counts for in look-back windows: declared, else ingested or screened."""
    return screened.shipment.declared_at or screened.ingested_at or screened.screening.screened_at


@dataclass(frozen=True)
class Named:
    """A party of a shipment, or its vessel (`VESSEL_INDEX`, role `vessel`, its IMO number as
    identifier): what is stored in `shipment_parties` and rolled up into `counterparties`, so
    that a rescreen finds past shipments on a newly listed ship as it finds a party's."""

    index: int
    role: str
    name: str
    country: str | None
    identifiers: dict[str, str]


def named_in(shipment: Shipment) -> list[Named]:
    named = [
        Named(i, p.role, p.name, p.country, dict(p.identifiers))
        for i, p in enumerate(shipment.parties)
    ]
    vessel = shipment.vessel
    if vessel is not None and vessel.named:
        identifiers = vessel_identifiers(vessel.imo)
        named.append(Named(VESSEL_INDEX, VESSEL_ROLE, vessel_name(vessel), None, identifiers))
    return named


def counterparties_of(screened: ScreenedShipment) -> list[CounterpartySeen]:
    """One per `named_in` the shipment, in that order."""
    dated = shipment_date(screened)
    seen = []
    for p in named_in(screened.shipment):
        found = identity(p.name, p.country, tuple(p.identifiers.items()))
        seen.append(
            CounterpartySeen(
                counterparty_id=found.counterparty_id,
                name=p.name,
                name_norm=found.name_norm,
                country=p.country,
                identifiers=dict(found.identifiers),
                declared_at=dated,
            )
        )
    return seen


def save_counterparties(
    session: Session,
    seen: Iterable[CounterpartySeen],
    now: datetime,
    recent: RecentCounterparties | None = None,
) -> None:
    """Upsert, in id order (so that concurrent batches lock rows in the same order); those
    `recent` says are stored recently enough are left alone, and it is told of the others."""
    merged: dict[str, CounterpartySeen] = {}
    for cp in seen:
        known = merged.get(cp.counterparty_id)
        if known is None:
            merged[cp.counterparty_id] = cp
        elif cp.declared_at > known.declared_at:
            merged[cp.counterparty_id] = replace(known, declared_at=cp.declared_at)
    if recent is not None:
        merged = {
            key: cp for key, cp in merged.items() if not recent.covers(key, cp.declared_at, now)
        }
        recent.stage(((key, cp.declared_at) for key, cp in merged.items()), now)
    rows = [
        {
            "counterparty_id": cp.counterparty_id,
            "name": cp.name,
            "name_norm": cp.name_norm,
            "country": cp.country,
            "identifiers": cp.identifiers,
            "first_seen_at": now,
            "last_seen_at": now,
            "last_declared_at": cp.declared_at,
        }
        for _, cp in sorted(merged.items())
    ]
    if rows:
        insert(session, Counterparty, rows, _upsert_counterparties)


def _upsert_counterparties(stmt: Any, postgres: bool) -> Any:
    return stmt.on_conflict_do_update(
        index_elements=["counterparty_id"],
        set_={
            "last_seen_at": stmt.excluded.last_seen_at,
            "last_declared_at": greatest(
                postgres, Counterparty.last_declared_at, stmt.excluded.last_declared_at
            ),
        },
    )


def save_shipments(
    session: Session,
    batch: Sequence[ScreenedShipment],
    counterparties: Sequence[Sequence[CounterpartySeen]],
    now: datetime,
) -> set[str]:
    """Store shipments (one screening per key) and their parties, whose `counterparties_of`
    (one list per shipment) must be saved first. Returns the keys written: a key is left out
    when a newer screening of it is already stored, and the stale one is not applied."""
    if not batch:
        return set()
    rows = [shipment_row(s, now) for s in batch]
    written = set(insert(session, StoredShipment, rows, upsert_shipments).scalars())
    if not written:
        return written
    session.execute(
        delete(ShipmentParty).where(among(session, ShipmentParty.shipment_key, sorted(written)))
    )
    parties = [
        row
        for screened, seen in zip(batch, counterparties, strict=True)
        if screened.shipment.key in written
        for row in _party_rows(screened, seen)
    ]
    if parties:
        insert(session, ShipmentParty, parties)
    return written


def upsert_shipments(stmt: Any, postgres: bool) -> Any:
    return stmt.on_conflict_do_update(
        index_elements=["shipment_key"],
        set_={k: stmt.excluded[k] for k in _SHIPMENT_UPDATES},
        where=StoredShipment.last_screened_at <= stmt.excluded.last_screened_at,
    ).returning(StoredShipment.shipment_key)


_SHIPMENT_UPDATES = (
    "source",
    "shipment_id",
    "declared_at",
    "direction",
    "origin_country",
    "destination_country",
    "shipment",
    "screening",
    "list_versions",
    "ingested_at",
    "last_screened_at",
)


def shipment_row(screened: ScreenedShipment, now: datetime) -> dict[str, object]:
    shipment, screening = screened.shipment, screened.screening
    return {
        "shipment_key": shipment.key,
        "source": shipment.source,
        "shipment_id": shipment.shipment_id,
        "declared_at": shipment.declared_at,
        "direction": shipment.direction,
        "origin_country": shipment.origin_country,
        "destination_country": shipment.destination_country,
        # As JSON text already: pydantic writes it faster than model_dump and orjson together.
        "shipment": orjson.Fragment(shipment.model_dump_json()),
        "screening": orjson.Fragment(screening.model_dump_json()),
        "list_versions": dict(screening.list_versions),
        "ingested_at": screened.ingested_at,
        "first_seen_at": now,
        "last_screened_at": screening.screened_at,
    }


def _party_rows(
    screened: ScreenedShipment, counterparties: Sequence[CounterpartySeen]
) -> list[dict[str, object]]:
    key = screened.shipment.key
    return [
        {
            "shipment_key": key,
            "party_index": party.index,
            "role": party.role,
            "name": party.name,
            "name_norm": cp.name_norm,
            "country": party.country,
            "identifiers": party.identifiers,
            "counterparty_id": cp.counterparty_id,
            "declared_at": cp.declared_at,
        }
        for party, cp in zip(named_in(screened.shipment), counterparties, strict=True)
    ]


def last_screened_at(session: Session, keys: Sequence[str]) -> dict[str, datetime]:
    """When each of these shipments (those stored) was last screened."""
    rows = session.execute(
        select(StoredShipment.shipment_key, StoredShipment.last_screened_at).where(
            among(session, StoredShipment.shipment_key, keys)
        )
    )
    return {key: at for key, at in rows}


def get_by_key(session: Session, shipment_key: str) -> StoredShipment | None:
    return session.get(StoredShipment, shipment_key)


def parties_of(session: Session, shipment_key: str) -> list[ShipmentParty]:
    return list(
        session.scalars(
            select(ShipmentParty)
            .where(ShipmentParty.shipment_key == shipment_key)
            .order_by(ShipmentParty.party_index)
        )
    )


def counterparties_seen_since(session: Session, since: datetime) -> list[Counterparty]:
    """Distinct counterparties of shipments dated on or after `since` (rescreen's look-back),
    and some up to `COUNTERPARTY_DATE_SLACK` earlier: their stored date may lag by that much."""
    return list(
        session.scalars(
            select(Counterparty)
            .where(Counterparty.last_declared_at >= since - COUNTERPARTY_DATE_SLACK)
            .order_by(Counterparty.counterparty_id)
        )
    )


def shipments_of_counterparties(
    session: Session, counterparty_ids: Sequence[str], since: datetime
) -> list[ShipmentParty]:
    """The parties (hence shipments) of these counterparties dated on or after `since`."""
    if not counterparty_ids:
        return []
    return list(
        session.scalars(
            select(ShipmentParty)
            .where(
                ShipmentParty.counterparty_id.in_(list(counterparty_ids)),
                ShipmentParty.declared_at >= since,
            )
            .order_by(ShipmentParty.shipment_key, ShipmentParty.party_index)
        )
    )
