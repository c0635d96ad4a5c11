"""Alert rules, applied to one screened shipment. Pure: no SQL, no clock, no environment.

A party's match becomes part of an alert when its score reaches the list's threshold, its list is
enabled, its programs pass the list's filters and no active suppression covers the party for that
entry. Matches are grouped per (list, entry): one alert per entry per shipment, carrying every
party that matched it. The shipment's vessel counts as one more party: role "vessel", index
`VESSEL_INDEX`, its name (or "IMO <number>" when it has none) and its IMO number as identifier.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from services.alerting.counterparties import (
    normalise_identifier_type,
    normalise_identifier_value,
    normalise_identifiers,
    normalise_name,
)
from services.alerting.rules_config import SEVERITIES, AlertRules, ListRule
from shared.schemas import Match, RiskFlag, ScreenedShipment, Vessel, VesselScreening, alert_id
from shared.schemas.alert import Severity
from shared.schemas.screened import VESSEL_PARTY_INDEX
from shared.schemas.shipment import vessel_identifiers

_FLAG_LEVELS = {"low": 0, "medium": 1, "high": 2}

VESSEL_INDEX = VESSEL_PARTY_INDEX
"""The `party_index` of the vessel in alert evidence, suppression hits and stored parties."""
VESSEL_ROLE = "vessel"


@dataclass(frozen=True)
class MatchedParty:
    party_index: int
    role: str
    name: str
    match: Match


@dataclass(frozen=True)
class AlertDecision:
    alert_id: str
    list_id: str
    entry_id: str
    entry_name: str
    matches: tuple[MatchedParty, ...]
    severity: Severity
    reason: str
    """The reason if this raises a new alert (an existing alert keeps its own)."""


@dataclass(frozen=True)
class SuppressionRule:
    """An active suppression: `name_norm` or the identifier pair is set."""

    suppression_id: str
    list_id: str
    entry_id: str
    name_norm: str | None
    identifier_type: str | None
    identifier_value: str | None

    def covers(self, name: str, identifiers: Mapping[str, str]) -> bool:
        """Whether this suppression is about the party (or vessel) of that name and identifiers."""
        if self.name_norm is not None and normalise_name(name) == self.name_norm:
            return True
        if self.identifier_value is None:
            return False
        identifiers = normalise_identifiers(identifiers)
        if self.identifier_type:
            return identifiers.get(self.identifier_type) == self.identifier_value
        return self.identifier_value in identifiers.values()


@dataclass(frozen=True)
class SuppressedMatch:
    suppression_id: str
    party_index: int
    list_id: str
    entry_id: str
    score: float


@dataclass(frozen=True)
class Evaluation:
    alerts: tuple[AlertDecision, ...]
    suppressed: tuple[SuppressedMatch, ...]


EntryRef = tuple[str, str]


def suppression_rule(
    *,
    suppression_id: str,
    list_id: str,
    entry_id: str,
    name: str | None,
    identifier_type: str | None,
    identifier_value: str | None,
) -> SuppressionRule:
    return SuppressionRule(
        suppression_id=suppression_id,
        list_id=list_id,
        entry_id=entry_id,
        name_norm=normalise_name(name) if name else None,
        identifier_type=normalise_identifier_type(identifier_type) if identifier_type else None,
        identifier_value=normalise_identifier_value(identifier_value) if identifier_value else None,
    )


def suppression_active(
    *,
    expires_at: datetime,
    revoked_at: datetime | None,
    fingerprint_then: str | None,
    fingerprint_now: str | None,
    now: datetime,
) -> bool:
    """Unexpired, not revoked, and the list entry unchanged since the suppression was made."""
    return revoked_at is None and now < expires_at and fingerprint_then == fingerprint_now


def programs_pass(programs: Sequence[str], rule: ListRule) -> bool:
    mine = {p.casefold() for p in programs}
    if rule.programs_include and not mine & {p.casefold() for p in rule.programs_include}:
        return False
    excluded = {p.casefold() for p in rule.programs_exclude}
    return not (mine and excluded and mine <= excluded)


def severity_for(
    *,
    best_score: float,
    identifier_match: bool,
    risk_flags: Sequence[RiskFlag],
    list_rule: ListRule,
    rules: AlertRules,
) -> Severity:
    policy = rules.severity
    band = next(b for b in policy.bands if best_score >= b.min_score)
    level = SEVERITIES.index(band.severity)
    if identifier_match:
        level = max(level, SEVERITIES.index(policy.identifier_match))
    threshold = _FLAG_LEVELS[policy.risk_flag_min_severity]
    if any(_FLAG_LEVELS.get(f.severity, 1) >= threshold for f in risk_flags):
        level += policy.risk_flag_bump
    if list_rule.min_severity is not None:
        level = max(level, SEVERITIES.index(list_rule.min_severity))
    return SEVERITIES[min(level, len(SEVERITIES) - 1)]


def evaluate(
    screened: ScreenedShipment,
    rules: AlertRules,
    suppressions: Sequence[SuppressionRule] = (),
    changed_entries: Collection[EntryRef] | None = None,
) -> Evaluation:
    """The alerts this screening calls for, and the matches suppressions kept back.

    In a rescreen (`screening.rescreen`), a new alert's reason is `newly_listed` when its entry is
    in `changed_entries` (every entry when that is None: a rescreen only runs on list changes).
    """
    by_entry: dict[EntryRef, dict[int, MatchedParty]] = {}
    suppressed: list[SuppressedMatch] = []
    for screened_name, identifiers, matches in _screened_names(screened):
        for match in matches:
            rule = rules.for_list(match.list_id)
            if not rule.enabled or match.score < rules.threshold(match.list_id):
                continue
            if not programs_pass(match.programs, rule):
                continue
            ref = (match.list_id, match.entry_id)
            cover = next(
                (
                    s
                    for s in suppressions
                    if (s.list_id, s.entry_id) == ref and s.covers(screened_name.name, identifiers)
                ),
                None,
            )
            if cover is not None:
                suppressed.append(
                    SuppressedMatch(
                        cover.suppression_id, screened_name.party_index, *ref, match.score
                    )
                )
                continue
            parties = by_entry.setdefault(ref, {})
            current = parties.get(screened_name.party_index)
            if current is None or match.score > current.match.score:
                parties[screened_name.party_index] = MatchedParty(
                    screened_name.party_index, screened_name.role, screened_name.name, match
                )
    decisions = [
        _decide(screened, ref, tuple(parties[i] for i in sorted(parties)), rules, changed_entries)
        for ref, parties in by_entry.items()
    ]
    return Evaluation(tuple(decisions), tuple(suppressed))


@dataclass(frozen=True)
class _Named:
    party_index: int
    role: str
    name: str


def _screened_names(
    screened: ScreenedShipment,
) -> Iterator[tuple[_Named, Mapping[str, str], Sequence[Match]]]:
    """Each screened party, then the vessel: who it is, its identifiers, its matches."""
    shipment = screened.shipment
    for screening in screened.screening.parties:
        party = shipment.parties[screening.party_index]
        named = _Named(screening.party_index, party.role, party.name)
        yield named, party.identifiers, screening.matches
    vessel = screened.screening.vessel
    if vessel is not None:
        identifiers = vessel_identifiers(vessel.imo)
        yield _Named(VESSEL_INDEX, VESSEL_ROLE, vessel_name(vessel)), identifiers, vessel.matches


def entry_refs(screened: ScreenedShipment) -> set[EntryRef]:
    """Every (list, entry) the screening matched, a party's or the vessel's."""
    return {(m.list_id, m.entry_id) for _, _, matches in _screened_names(screened) for m in matches}


def vessel_name(vessel: Vessel | VesselScreening) -> str:
    """The vessel's name for an analyst; "IMO <number>" when the document gives none."""
    return vessel.name or f"IMO {vessel.imo}"


def _decide(
    screened: ScreenedShipment,
    ref: EntryRef,
    matches: tuple[MatchedParty, ...],
    rules: AlertRules,
    changed_entries: Collection[EntryRef] | None,
) -> AlertDecision:
    best = max(matches, key=lambda m: m.match.score).match
    identifier_match = any(m.match.identifier_match for m in matches)
    rescreen = screened.screening.rescreen
    if rescreen and (changed_entries is None or ref in changed_entries):
        reason = "newly_listed"
    elif identifier_match:
        reason = "identifier_match"
    else:
        reason = "match"
    severity = severity_for(
        best_score=best.score,
        identifier_match=identifier_match,
        risk_flags=screened.screening.risk_flags,
        list_rule=rules.for_list(ref[0]),
        rules=rules,
    )
    return AlertDecision(
        alert_id=alert_id(screened.shipment.key, *ref),
        list_id=ref[0],
        entry_id=ref[1],
        entry_name=best.entry_name,
        matches=matches,
        severity=severity,
        reason=reason,
    )


def inconsistencies(screened: ScreenedShipment) -> list[str]:
    """What makes a screening unusable (a party index that points nowhere, a vessel screening
    that is not of the shipment's vessel): poison, not retried."""
    count = len(screened.shipment.parties)
    problems = [
        f"screening.parties[{i}].party_index {p.party_index} is out of range (0..{count - 1})"
        for i, p in enumerate(screened.screening.parties)
        if p.party_index >= count
    ]
    vessel, screened_vessel = screened.shipment.vessel, screened.screening.vessel
    if screened_vessel is not None and (
        vessel is None or (vessel.name, vessel.imo) != (screened_vessel.name, screened_vessel.imo)
    ):
        problems.append("screening.vessel is not the shipment's vessel (name and imo must agree)")
    return problems
