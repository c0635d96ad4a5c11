"""Every screened shipment, its parties, and the distinct counterparties they are.

`counterparties` holds one row per distinct (normalised name, country, identifiers); its id is a
hash of those, so the same party on many documents is one row. `shipment_parties` links each party
of each shipment to its counterparty and carries the shipment's date, so "which counterparties were
seen in the last N days" is one indexed range scan over `counterparties.last_declared_at`, and
"which shipments of these counterparties" is one over `(counterparty_id, declared_at)`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shared.db.base import Base
from shared.db.types import JsonType, UtcDateTime

COUNTERPARTY_DATE_SLACK = timedelta(hours=1)
"""How far `counterparties.last_seen_at` and `last_declared_at` may lag the truth: an alerting
worker does not write a counterparty again for a shipment within this of the stored dates
(services/alerting/recent.py). Readers of the look-back window start this much earlier."""


class StoredShipment(Base):
    """The last screening of one shipment, keyed `source:shipment_id`."""

    __tablename__ = "shipments"

    shipment_key: Mapped[str] = mapped_column(Text, primary_key=True)
    source: Mapped[str] = mapped_column(String(100))
    shipment_id: Mapped[str] = mapped_column(String(200))
    declared_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    direction: Mapped[str | None] = mapped_column(String(20))
    origin_country: Mapped[str | None] = mapped_column(String(2))
    destination_country: Mapped[str | None] = mapped_column(String(2))
    shipment: Mapped[dict[str, Any]] = mapped_column(JsonType)
    screening: Mapped[dict[str, Any]] = mapped_column(JsonType)
    list_versions: Mapped[dict[str, str]] = mapped_column(JsonType)
    ingested_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_screened_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Counterparty(Base):
    """One distinct party as written on documents (normalised), across all shipments."""

    __tablename__ = "counterparties"

    counterparty_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(Text, doc="the name as first seen")
    name_norm: Mapped[str] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(String(2))
    identifiers: Mapped[dict[str, str]] = mapped_column(JsonType, doc="normalised type -> value")
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_declared_at: Mapped[datetime] = mapped_column(
        UtcDateTime,
        index=True,
        doc="latest shipment date (declared_at, else ingest/screen time), to within"
        " COUNTERPARTY_DATE_SLACK",
    )


class ShipmentParty(Base):
    """A party of a shipment, as on the document, linked to its counterparty."""

    __tablename__ = "shipment_parties"
    __table_args__ = (
        Index("ix_shipment_parties_counterparty_declared", "counterparty_id", "declared_at"),
    )

    shipment_key: Mapped[str] = mapped_column(
        Text, ForeignKey("shipments.shipment_key", ondelete="CASCADE"), primary_key=True
    )
    party_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    role: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(Text)
    name_norm: Mapped[str] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(String(2))
    identifiers: Mapped[dict[str, str]] = mapped_column(JsonType, doc="as written on the document")
    counterparty_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("counterparties.counterparty_id")
    )
    declared_at: Mapped[datetime] = mapped_column(
        UtcDateTime, doc="the shipment's date: declared_at, else ingest/screen time"
    )
