"""Alert evidence as stored, and the `alerts.v1` events made from it. Pure."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from services.alerting.rules import MatchedParty
from shared.schemas import AlertEvent, AlertMatch
from shared.schemas.alert import AlertEventType

_EVENT_FIELDS = set(AlertMatch.model_fields) | {"list"}


class AlertState(Protocol):
    """What an event reports about an alert (the ORM row has these attributes)."""

    @property
    def alert_id(self) -> str: ...
    @property
    def shipment_id(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def severity(self) -> str: ...
    @property
    def raised_at(self) -> datetime: ...
    @property
    def reason(self) -> str: ...
    @property
    def matches(self) -> list[dict[str, Any]]: ...


def stored_match(matched: MatchedParty) -> dict[str, Any]:
    """One matched party as kept in `alerts.matches`: the event's fields plus index and flag."""
    match = matched.match
    return {
        "party_index": matched.party_index,
        "party_role": matched.role,
        "party_name": matched.name,
        "list": match.list_id,
        "entry_id": match.entry_id,
        "entry_name": match.entry_name,
        "matched_name": match.matched_name,
        "score": match.score,
        "programs": list(match.programs),
        "explanation": match.explanation,
        "identifier_match": match.identifier_match,
    }


def merge_matches(
    old: Sequence[dict[str, Any]], new: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Per party: the new screening's match replaces the old; parties it no longer reports stay,
    so an alert's evidence is never lost by a later, partial screening."""
    by_party = {m["party_index"]: m for m in old}
    by_party.update({m["party_index"]: m for m in new})
    return [by_party[i] for i in sorted(by_party)]


def content_hash(
    *, entry_name: str, severity: str, matches: Sequence[dict[str, Any]], risk_flags: Any
) -> str:
    """Of everything an `updated` event would report: equal hashes, nothing to announce."""
    material = json.dumps(
        [entry_name, severity, list(matches), risk_flags], sort_keys=True, default=str
    )
    return hashlib.sha256(material.encode()).hexdigest()


def alert_event(
    alert: AlertState, event: AlertEventType, event_id: str, note: str | None = None
) -> AlertEvent:
    return AlertEvent.model_validate(
        {
            "alert_id": alert.alert_id,
            "event": event,
            "shipment_id": alert.shipment_id,
            "source": alert.source,
            "status": alert.status,
            "severity": alert.severity,
            "raised_at": alert.raised_at,
            "reason": alert.reason,
            "matches": [{k: v for k, v in m.items() if k in _EVENT_FIELDS} for m in alert.matches],
            "event_id": event_id,
            "note": note,
        }
    )


def encode_event(event: AlertEvent) -> bytes:
    return event.model_dump_json(exclude_none=True).encode()
