"""Stored evidence and the alerts.v1 events made from it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.alerting.events import alert_event, content_hash, merge_matches, stored_match
from services.alerting.rules import evaluate
from services.alerting.rules_config import AlertRules
from shared.schemas import AlertEvent, ScreenedShipment

T0 = datetime(2024, 2, 23, 10, tzinfo=UTC)


@dataclass
class State:
    alert_id: str
    shipment_id: str
    source: str
    status: str
    severity: str
    raised_at: datetime
    reason: str
    matches: list[dict[str, Any]]


def test_an_event_validates_against_the_topic_contract(
    screened: Callable[..., ScreenedShipment],
) -> None:
    decision = evaluate(screened(), AlertRules()).alerts[0]
    state = State(
        decision.alert_id,
        "KR-EXP-2024-000731",
        "kr-customs",
        "open",
        decision.severity,
        T0,
        decision.reason,
        [stored_match(m) for m in decision.matches],
    )
    event = alert_event(state, "raised", "e1")
    wire = AlertEvent.model_validate_json(event.model_dump_json())
    assert wire.matches[0].list_id == "us-ofac-sdn"
    assert wire.matches[0].party_role == "consignee"
    assert wire.event_id == "e1"


def test_merging_keeps_parties_a_later_screening_omits_and_takes_new_values() -> None:
    old = [{"party_index": 0, "score": 0.9}, {"party_index": 1, "score": 0.85}]
    new = [{"party_index": 1, "score": 0.95}]
    assert merge_matches(old, new) == [{"party_index": 0, "score": 0.9}, new[0]]


def test_the_content_hash_changes_with_evidence_only() -> None:
    base = {"entry_name": "A", "severity": "high", "matches": [{"score": 1}], "risk_flags": []}
    assert content_hash(**base) == content_hash(**dict(base))  # type: ignore[arg-type]
    changed = {**base, "matches": [{"score": 0.9}]}
    assert content_hash(**base) != content_hash(**changed)  # type: ignore[arg-type]
