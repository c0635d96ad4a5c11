"""Screen distinct counterparties against a list delta; merge the hits into stored screenings.

Pure: no SQL, no Kafka, no clock. The matcher is the one enrichment uses (`shared.screening`),
built from the delta's entries only, so its candidate index is tiny. A `DeltaGate` in front of it
turns away, from the raw words and without rigour's name analysis, each counterparty that cannot
reach the cutoff against any new entry: nearly all of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from services.rescreen.delta import Delta, EntryRef
from services.rescreen.gate import DeltaGate
from shared.schemas import (
    Match,
    PartyScreening,
    ScreenedShipment,
    Screening,
    Shipment,
    VesselScreening,
)
from shared.schemas.screened import VESSEL_PARTY_INDEX
from shared.screening import Screener
from shared.screening.screener import DEFAULT_THRESHOLD

MATCHES_PER_PARTY = 10
"""As enrichment keeps: the best few per party."""


@dataclass(frozen=True)
class Counterparty:
    """A distinct party as the alerting service stores it (`counterparties` table)."""

    counterparty_id: str
    name: str
    country: str | None
    identifiers: Mapping[str, str] = field(default_factory=dict)


class DeltaMatcher:
    """The delta's added and changed entries in a matcher of their own."""

    def __init__(self, delta: Delta, threshold: float | None = None) -> None:
        self._screener = Screener(delta.entries)
        self._threshold = threshold
        self._gate = DeltaGate(delta.entries, DEFAULT_THRESHOLD if threshold is None else threshold)
        self.screened = 0
        """Counterparties that passed the gate and were screened in full by `hits`."""

    def __len__(self) -> int:
        return len(self._screener)

    def screen(self, counterparty: Counterparty) -> list[Match]:
        """The delta entries this counterparty matches at or above the threshold, best first."""
        return self._screener.screen(
            counterparty.name,
            country=counterparty.country,
            identifiers=dict(counterparty.identifiers) or None,
            threshold=self._threshold,
            limit=MATCHES_PER_PARTY,
        )

    def may_match(self, counterparty: Counterparty) -> bool:
        """False when the counterparty cannot match any delta entry (the gate, no analysis)."""
        return self._gate.passes(counterparty.name, counterparty.identifiers)

    def hits(self, counterparties: Iterable[Counterparty]) -> Iterator[tuple[str, list[Match]]]:
        """(counterparty id, matches) for each counterparty that matches any delta entry: the
        same as `screen` on each, but only those the gate lets through are screened."""
        for counterparty in counterparties:
            if not self.may_match(counterparty):
                continue
            self.screened += 1
            found = self.screen(counterparty)
            if found:
                yield counterparty.counterparty_id, found


@dataclass(frozen=True)
class StoredScreening:
    """A shipment as last screened and stored by the alerting service."""

    shipment: Shipment
    screening: Screening
    ingested_at: datetime | None


def rescreened(
    stored: StoredScreening,
    party_hits: Mapping[int, Sequence[Match]],
    delta: Delta,
    now: datetime,
) -> ScreenedShipment:
    """The stored screening brought up to the delta's version: each party keeps its matches on
    entries the version did not touch, loses those on entries it changed or removed, and gains
    its new matches, and so does the vessel (stored as a counterparty too, at
    `VESSEL_PARTY_INDEX`); risk flags are kept. Marked `rescreen`, so that alerting gives a new
    alert on a changed entry the reason `newly_listed`.

    `screened_at` is `now`, but never earlier than the stored screening: alerting ignores a
    screening older than the one it has, so a slow clock here must not lose the rescreen.
    """
    previous = stored.screening
    by_index = {p.party_index: p for p in previous.parties}
    parties: list[PartyScreening] = []
    for index, party in enumerate(stored.shipment.parties):
        before = by_index.get(index)
        hits = party_hits.get(index, ())
        if before is None and not hits:
            continue
        kept = [m for m in (before.matches if before else ()) if _ref(m) not in delta.refs]
        parties.append(
            PartyScreening(
                party_index=index,
                role=party.role,
                name=party.name,
                matches=_best_first([*kept, *hits]),
            )
        )
    vessel = _vessel(stored, party_hits.get(VESSEL_PARTY_INDEX, ()), delta)
    screened_at = max(now, previous.screened_at + timedelta(microseconds=1))
    return ScreenedShipment(
        shipment=stored.shipment,
        screening=Screening(
            screened_at=screened_at,
            parties=parties,
            vessel=vessel,
            risk_flags=list(previous.risk_flags),
            list_versions={**previous.list_versions, delta.list_id: delta.version},
            rescreen=True,
        ),
        ingested_at=stored.ingested_at,
    )


def _vessel(stored: StoredScreening, hits: Sequence[Match], delta: Delta) -> VesselScreening | None:
    """The vessel's screening brought up to the delta, as a party's: its matches on entries the
    version did not touch, and its new ones among the listed vessels (the vessel is stored as a
    counterparty; matched as one, it may also resemble a company, which enrichment, reading it
    as a vessel, would not have matched)."""
    previous, vessel = stored.screening.vessel, stored.shipment.vessel
    fresh = [m for m in hits if _ref(m) in delta.object_refs]
    if vessel is None or (previous is None and not fresh):
        return previous
    kept = [m for m in (previous.matches if previous else ()) if _ref(m) not in delta.refs]
    return VesselScreening(name=vessel.name, imo=vessel.imo, matches=_best_first([*kept, *fresh]))


def _ref(match: Match) -> EntryRef:
    return (match.list_id, match.entry_id)


def _best_first(matches: Iterable[Match]) -> list[Match]:
    unique: dict[EntryRef, Match] = {}
    for match in matches:
        known = unique.get(_ref(match))
        if known is None or match.score > known.score:
            unique[_ref(match)] = match
    return sorted(unique.values(), key=lambda m: (-m.score, m.list_id, m.entry_id))
