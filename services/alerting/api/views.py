"""ORM rows to API bodies."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any, cast

from services.alerting.api.models import AlertDetail, AlertItem, EntryEvidence, Evidence
from services.alerting.events import alert_event
from services.alerting.rules import VESSEL_INDEX, VESSEL_ROLE
from shared.db.models import Alert, ListEntry, StoredShipment
from shared.schemas.alert import AlertEventType


def alert_item(alert: Alert) -> AlertItem:
    event = alert_event(
        alert, cast(AlertEventType, alert.last_event), alert.last_event_id, alert.note
    )
    return AlertItem.model_validate({**event.model_dump(), **_extra(alert)})


def _extra(alert: Alert) -> dict[str, Any]:
    return {
        "list": alert.list_id,
        "entry_id": alert.entry_id,
        "entry_name": alert.entry_name,
        "score": alert.score,
        "updated_at": alert.updated_at,
        "status_changed_at": alert.status_changed_at,
        "delisted_at": alert.delisted_at,
    }


def alert_detail(
    alert: Alert, shipment: StoredShipment | None, entry: ListEntry | None
) -> AlertDetail:
    item = alert_item(alert)
    raw_parties: list[dict[str, Any]] = (shipment.shipment.get("parties") or []) if shipment else []
    raw_vessel: dict[str, Any] = (shipment.shipment.get("vessel") or {}) if shipment else {}
    indexes = [m["party_index"] for m in alert.matches]
    parties = [{"party_index": i, **raw_parties[i]} for i in indexes if 0 <= i < len(raw_parties)]
    if VESSEL_INDEX in indexes and raw_vessel:
        parties.append({"party_index": VESSEL_INDEX, "role": VESSEL_ROLE, **raw_vessel})
    evidence = Evidence(
        parties=parties,
        entry=_entry_evidence(alert, entry),
        matched_names=sorted({m["matched_name"] for m in alert.matches}),
        explanations=[m["explanation"] for m in alert.matches],
        risk_flags=alert.risk_flags,
        shipment=shipment.shipment if shipment else {},
        screened_at=(shipment.screening.get("screened_at") if shipment else None),
        list_versions=shipment.list_versions if shipment else {},
    )
    return AlertDetail.model_validate(
        {**item.model_dump(), "evidence": evidence, "escalated_by": alert.escalated_by_name}
    )


def _entry_evidence(alert: Alert, entry: ListEntry | None) -> EntryEvidence:
    if entry is None:
        programs = sorted({p for m in alert.matches for p in m.get("programs", [])})
        return EntryEvidence(
            list_id=alert.list_id,
            entry_id=alert.entry_id,
            name=alert.entry_name,
            programs=programs,
            loaded=False,
        )
    data = entry.entry
    return EntryEvidence(
        list_id=alert.list_id,
        entry_id=alert.entry_id,
        name=data.get("name", entry.name),
        programs=list(data.get("programs", [])),
        identifiers=list(data.get("identifiers", [])),
        aliases=list(data.get("aliases", [])),
        countries=list(data.get("countries", [])),
        listed_on=data.get("listed_on"),
        remarks=data.get("remarks"),
        loaded=True,
    )


def encode_cursor(after: tuple[datetime, str]) -> str:
    raw = json.dumps([after[0].isoformat(), after[1]]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """ValueError when the cursor is not one this API made."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, alert_id = json.loads(raw)
        parsed = datetime.fromisoformat(at)
    except (binascii.Error, ValueError, TypeError) as error:
        raise ValueError("invalid cursor") from error
    if parsed.tzinfo is None or not isinstance(alert_id, str):
        raise ValueError("invalid cursor")
    return parsed, alert_id
