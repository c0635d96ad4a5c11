"""Alert rules: thresholds, program filters, severity, suppressions, reasons. Pure."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from services.alerting.rules import evaluate, inconsistencies, suppression_active, suppression_rule
from services.alerting.rules_config import (
    AlertRules,
    ListRule,
    RulesFileError,
    SeverityRules,
    load_rules,
)
from shared.schemas import ScreenedShipment, alert_id

Screened = Callable[..., ScreenedShipment]
Match = Callable[..., dict[str, Any]]
T0 = datetime(2024, 2, 23, 10, tzinfo=UTC)
HIGH_FLAG = {"code": "sanctioned_destination", "severity": "high", "reason": "destination RU"}


def test_a_match_at_the_threshold_alerts_once_per_entry_with_every_matching_party(
    screened: Screened, match: Match
) -> None:
    record = screened(
        shipper_matches=[match(score=0.81)],
        matches=[match(score=0.97), match(entry_id="99", score=0.79)],
    )
    result = evaluate(record, AlertRules(default_threshold=0.80))
    assert [(d.list_id, d.entry_id) for d in result.alerts] == [("us-ofac-sdn", "47956")]
    decision = result.alerts[0]
    assert decision.alert_id == alert_id("kr-customs:KR-EXP-2024-000731", "us-ofac-sdn", "47956")
    assert [m.party_index for m in decision.matches] == [0, 1]


def test_thresholds_and_switches_are_per_list(screened: Screened, match: Match) -> None:
    record = screened(matches=[match(score=0.85), match(list_id="uk-ofsi", entry_id="1")])
    rules = AlertRules(
        default_threshold=0.80,
        lists={"us-ofac-sdn": ListRule(threshold=0.90), "uk-ofsi": ListRule(enabled=False)},
    )
    assert evaluate(record, rules).alerts == ()


def test_program_filters_include_and_exclude(screened: Screened, match: Match) -> None:
    record = screened(
        matches=[match(programs=("SDGT",)), match(entry_id="2", programs=("SDGT", "IRAN"))]
    )
    include = AlertRules(lists={"us-ofac-sdn": ListRule(programs_include=("iran",))})
    assert [d.entry_id for d in evaluate(record, include).alerts] == ["2"]
    exclude = AlertRules(lists={"us-ofac-sdn": ListRule(programs_exclude=("SDGT",))})
    assert [d.entry_id for d in evaluate(record, exclude).alerts] == ["2"]


@pytest.mark.parametrize(
    ("score", "identifier", "flags", "expected"),
    [
        (0.85, False, False, "low"),
        (0.90, False, False, "medium"),
        (0.96, False, False, "high"),
        (0.85, True, False, "critical"),
        (0.85, False, True, "medium"),
        (0.96, False, True, "critical"),
    ],
)
def test_severity_from_score_identifier_agreement_and_risk_flags(
    score: float, identifier: bool, flags: bool, expected: str, screened: Screened, match: Match
) -> None:
    record = screened(
        matches=[match(score=score, identifier_match=identifier)],
        risk_flags=[HIGH_FLAG] if flags else [],
    )
    assert evaluate(record, AlertRules()).alerts[0].severity == expected


def test_a_list_can_set_a_severity_floor_and_medium_flags_do_not_bump_by_default(
    screened: Screened, match: Match
) -> None:
    record = screened(
        matches=[match(score=0.85)],
        risk_flags=[{"code": "chpl_goods", "severity": "medium", "reason": "HS 8708"}],
    )
    assert evaluate(record, AlertRules()).alerts[0].severity == "low"
    floor = AlertRules(lists={"us-ofac-sdn": ListRule(min_severity="high")})
    assert evaluate(record, floor).alerts[0].severity == "high"


def test_reason_is_identifier_match_or_match_and_newly_listed_only_in_a_rescreen(
    screened: Screened, match: Match
) -> None:
    assert evaluate(screened(), AlertRules()).alerts[0].reason == "match"
    by_id = screened(matches=[match(identifier_match=True)])
    assert evaluate(by_id, AlertRules()).alerts[0].reason == "identifier_match"
    rescreen = screened(rescreen=True)
    assert evaluate(rescreen, AlertRules()).alerts[0].reason == "newly_listed"
    unchanged = evaluate(rescreen, AlertRules(), changed_entries={("us-ofac-sdn", "other")})
    assert unchanged.alerts[0].reason == "match"


def test_a_suppression_by_name_or_identifier_records_instead_of_alerting(
    screened: Screened,
) -> None:
    record = screened(consignee="Aurus, L.L.C.")
    by_name = suppression_rule(
        suppression_id="s1",
        list_id="us-ofac-sdn",
        entry_id="47956",
        name="AURUS  l.l.c",
        identifier_type=None,
        identifier_value=None,
    )
    result = evaluate(record, AlertRules(), [by_name])
    assert result.alerts == ()
    assert [(s.suppression_id, s.party_index) for s in result.suppressed] == [("s1", 1)]
    by_id = suppression_rule(
        suppression_id="s2",
        list_id="us-ofac-sdn",
        entry_id="47956",
        name=None,
        identifier_type="Tax ID",
        identifier_value="7743-237-789",
    )
    assert evaluate(record, AlertRules(), [by_id]).alerts == ()
    other_entry = suppression_rule(
        suppression_id="s3",
        list_id="us-ofac-sdn",
        entry_id="1",
        name="AURUS LLC",
        identifier_type=None,
        identifier_value=None,
    )
    assert len(evaluate(record, AlertRules(), [other_entry]).alerts) == 1


def test_a_suppression_lapses_on_expiry_revocation_or_a_changed_entry() -> None:

    later = T0.replace(year=2025)
    kwargs = {"expires_at": later, "revoked_at": None, "fingerprint_then": "a", "now": T0}
    assert suppression_active(**kwargs, fingerprint_now="a")  # type: ignore[arg-type]
    assert not suppression_active(**kwargs, fingerprint_now="b")  # type: ignore[arg-type]
    assert not suppression_active(
        expires_at=T0, revoked_at=None, fingerprint_then="a", fingerprint_now="a", now=T0
    )
    assert not suppression_active(
        expires_at=later, revoked_at=T0, fingerprint_then="a", fingerprint_now="a", now=T0
    )


def test_a_party_index_out_of_range_is_an_inconsistency(screened: Screened) -> None:
    record = screened()
    record.screening.parties[1].party_index = 5
    assert inconsistencies(record) == ["screening.parties[1].party_index 5 is out of range (0..1)"]


def test_rules_load_from_yaml_and_json_and_bad_files_say_why(tmp_path: Path) -> None:
    yaml_file = tmp_path / "rules.yaml"
    yaml_file.write_text(
        "lists:\n  us-ofac-sdn:\n    threshold: 0.9\n    programs_exclude: [SDGT]\n"
        "severity:\n  identifier_match: high\n"
    )
    rules = load_rules(yaml_file, default_threshold=0.75)
    assert rules.threshold("us-ofac-sdn") == 0.9
    assert rules.threshold("uk-ofsi") == 0.75
    assert rules.severity.identifier_match == "high"
    json_file = tmp_path / "rules.json"
    json_file.write_text('{"default_threshold": 0.7}')
    assert load_rules(json_file).default_threshold == 0.7
    assert load_rules(None, 0.6) == AlertRules(default_threshold=0.6)
    bad = tmp_path / "bad.yaml"
    bad.write_text("lists:\n  x:\n    treshold: 0.9\n")
    with pytest.raises(RulesFileError, match="treshold"):
        load_rules(bad)
    with pytest.raises(RulesFileError, match="cannot read"):
        load_rules(tmp_path / "missing.yaml")


def test_score_bands_must_cover_zero() -> None:
    with pytest.raises(ValueError, match=r"min_score 0\.0"):
        SeverityRules.model_validate({"bands": [{"min_score": 0.5, "severity": "low"}]})
