"""`alerts.v1`: what downstream systems learn about alerts."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import Field

from shared.schemas.common import Model, UtcDatetime

AlertEventType = Literal["raised", "updated"]
AlertStatus = Literal["open", "in_review", "escalated", "confirmed", "dismissed"]
Severity = Literal["low", "medium", "high", "critical"]

_ALERT_NAMESPACE = uuid.UUID("5b0f6a43-51c3-4b8e-9a3f-1f0c7d2a9e11")


class AlertMatch(Model):
    party_role: str
    party_name: str
    list_id: str = Field(alias="list", description="list id, e.g. us-ofac-sdn")
    entry_id: str
    entry_name: str
    matched_name: str
    score: float = Field(ge=0.0, le=1.0)
    programs: list[str] = Field(default_factory=list)
    explanation: str


class AlertEvent(Model):
    alert_id: str = Field(
        description="uuid5 of shipment key, list and entry: stable across redelivery"
    )
    event: AlertEventType
    shipment_id: str
    source: str
    status: AlertStatus
    severity: Severity
    raised_at: UtcDatetime
    reason: str = Field(description="match, identifier_match, newly_listed, delisted, ...")
    matches: list[AlertMatch] = Field(min_length=1)
    event_id: str | None = Field(
        default=None, description="unique per event, for idempotent consumers"
    )
    note: str | None = None


def alert_id(shipment_key: str, list_id: str, entry_id: str) -> str:
    return str(uuid.uuid5(_ALERT_NAMESPACE, f"{shipment_key}|{list_id}|{entry_id}"))
