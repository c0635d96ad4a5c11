"""The rescreen's reads: a list version's delta, and the stored counterparties and shipments.

The shipment tables belong to the alerting service (written by `process_screened`); these are
read-only queries on them, written here because services do not import each other. Each query
uses an index the alerting migration made: `counterparties.last_declared_at` for the window's
distinct counterparties, `shipment_parties (counterparty_id, declared_at)` for their shipments.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

import orjson
import psycopg
from sqlalchemy import ClauseElement, Text, cast, func, select
from sqlalchemy.orm import Session

from services.rescreen.delta import Delta
from services.rescreen.rescreen import Counterparty, StoredScreening
from shared.db.models import Counterparty as CounterpartyRow
from shared.db.models import ShipmentParty, StoredShipment
from shared.db.models.shipments import COUNTERPARTY_DATE_SLACK
from shared.schemas import Screening, Shipment
from shared.watchlists import repository as lists

STREAM_ROWS = 5000
"""Counterparties fetched per round trip while streaming the window."""
IN_CHUNK = 1000
"""Ids per `IN (...)` list."""


class UnknownVersion(LookupError):
    """No such list, or no such version of it."""


@dataclass(frozen=True)
class PartyLink:
    shipment_key: str
    party_index: int
    counterparty_id: str


def load_delta(session: Session, list_id: str, version: str | None = None) -> Delta:
    """What `version` of `list_id` (default: its latest) added, changed and removed."""
    info = (
        lists.latest_version(session, list_id)
        if version is None
        else lists.find_version(session, list_id, version)
    )
    if info is None:
        what = f"version {version} of list {list_id}" if version else f"list {list_id}"
        raise UnknownVersion(f"no {what} is loaded")
    changes = lists.stored_changes(session, info.id)
    return Delta(
        list_id=info.list_id,
        version=info.version,
        version_id=info.id,
        entries=tuple(lists.changed_entries(session, info.id)),
        removed=tuple(c.entry_id for c in changes if c.change == "removed"),
    )


def newest_shipment_date(session: Session) -> datetime | None:
    """The latest shipment date stored (one index lookup)."""
    return session.scalar(select(func.max(CounterpartyRow.last_declared_at)))


def counterparties_since(
    session: Session, since: datetime, *, stream_rows: int = STREAM_ROWS
) -> Iterator[Counterparty]:
    """Each distinct counterparty with a shipment dated on or after `since`, streamed: on
    PostgreSQL by COPY, at half the cost of a cursor's rows (200,000 in about 1 s). The stored
    date may lag by `COUNTERPARTY_DATE_SLACK`, so this reads from that much earlier; `parties_of`
    then keeps the shipments dated within the window."""
    query = select(
        CounterpartyRow.counterparty_id,
        CounterpartyRow.name,
        CounterpartyRow.country,
        cast(CounterpartyRow.identifiers, Text),
    ).where(CounterpartyRow.last_declared_at >= since - COUNTERPARTY_DATE_SLACK)
    if session.get_bind().dialect.name == "postgresql":
        rows: Iterable[Sequence[str | None]] = _copied(session, query)
    else:
        rows = session.execute(query, execution_options={"yield_per": stream_rows})
    for counterparty_id, name, country, identifiers in rows:
        assert counterparty_id is not None and name is not None, "NOT NULL columns"
        found = orjson.loads(identifiers) if identifiers and identifiers != "{}" else {}
        yield Counterparty(counterparty_id, name, country, found)


def _copied(session: Session, query: ClauseElement) -> Iterator[tuple[str | None, ...]]:
    """The rows of `query` through `COPY ... TO STDOUT`, as text."""
    compiled = query.compile(dialect=session.get_bind().dialect)
    driver = session.connection().connection.driver_connection
    assert isinstance(driver, psycopg.Connection), "PostgreSQL runs on psycopg"
    with (
        driver.cursor() as cursor,
        cursor.copy(f"COPY ({compiled}) TO STDOUT", compiled.params) as copy,
    ):
        yield from copy.rows()


def count_counterparties_since(session: Session, since: datetime) -> int:
    return (
        session.scalar(
            select(func.count()).where(
                CounterpartyRow.last_declared_at >= since - COUNTERPARTY_DATE_SLACK
            )
        )
        or 0
    )


def parties_of(
    session: Session, counterparty_ids: Iterable[str], since: datetime
) -> list[PartyLink]:
    """The shipment parties of these counterparties dated on or after `since`."""
    found: list[PartyLink] = []
    for chunk in _chunks(sorted(set(counterparty_ids))):
        rows = session.execute(
            select(
                ShipmentParty.shipment_key,
                ShipmentParty.party_index,
                ShipmentParty.counterparty_id,
            ).where(
                ShipmentParty.counterparty_id.in_(chunk),
                ShipmentParty.declared_at >= since,
            )
        )
        found.extend(PartyLink(*row) for row in rows)
    found.sort(key=lambda link: (link.shipment_key, link.party_index))
    return found


def stored_screenings(session: Session, shipment_keys: Sequence[str]) -> dict[str, StoredScreening]:
    """The stored shipment and its last screening, by key; a key not stored is absent."""
    found: dict[str, StoredScreening] = {}
    for chunk in _chunks(sorted(set(shipment_keys))):
        rows = session.execute(
            select(
                StoredShipment.shipment_key,
                StoredShipment.shipment,
                StoredShipment.screening,
                StoredShipment.ingested_at,
            ).where(StoredShipment.shipment_key.in_(chunk))
        )
        for key, shipment, screening, ingested_at in rows:
            found[key] = StoredScreening(
                shipment=Shipment.model_validate(shipment),
                screening=Screening.model_validate(screening),
                ingested_at=ingested_at,
            )
    return found


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), IN_CHUNK):
        yield items[start : start + IN_CHUNK]
