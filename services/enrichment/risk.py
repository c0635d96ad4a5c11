"""Risk flags of a shipment: CHPL goods, sanctioned route, CHPL goods via transshipment points.

Pure: a shipment and the reference tables in, flags out. Every flag says why it fired.

Codes:
- `chpl_goods`: a goods line's HS code is on the Common High Priority List (which code, tier).
- `sanctioned_destination` / `sanctioned_transit` / `sanctioned_origin`: a country on that leg
  (or the country of a party on that side) is under comprehensive or sectoral sanctions.
- `sanctioned_region`: a port or party address names a sanctioned region (Crimea, DNR, LNR, ...).
- `transshipment_route`: CHPL goods whose route touches a known transshipment country.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from services.enrichment.chpl import ChplHit, ChplTable
from services.enrichment.country_risk import CountryRisk
from shared.schemas import Goods, RiskFlag, Shipment

DESTINATION_SIDE_ROLES = frozenset({"consignee", "buyer", "notify"})
ORIGIN_SIDE_ROLES = frozenset({"shipper", "seller", "manufacturer"})


class RoutePoint(NamedTuple):
    """A country the shipment touches, and how we know: `leg` is origin, destination or
    transit; `evidence` is the field that says so (for the reason text). A named tuple: six
    are made per shipment, several times faster than a frozen dataclass."""

    country: str
    leg: str
    evidence: str


def route_points(shipment: Shipment) -> list[RoutePoint]:
    points: list[RoutePoint] = []
    if shipment.origin_country:
        points.append(RoutePoint(shipment.origin_country, "origin", "origin_country"))
    if shipment.destination_country:
        points.append(
            RoutePoint(shipment.destination_country, "destination", "destination_country")
        )
    points.extend(RoutePoint(c, "transit", "transit_countries") for c in shipment.transit_countries)
    for party in shipment.parties:
        if party.country is None:
            continue
        if party.role in DESTINATION_SIDE_ROLES:
            points.append(RoutePoint(party.country, "destination", f"{party.role} {party.name!r}"))
        elif party.role in ORIGIN_SIDE_ROLES:
            points.append(RoutePoint(party.country, "origin", f"{party.role} {party.name!r}"))
    return points


def chpl_hits(goods: Sequence[Goods], chpl: ChplTable) -> list[ChplHit]:
    """One hit per distinct declared code on (or possibly on) the list, in goods order."""
    hits: dict[str, ChplHit] = {}
    for line in goods:
        hit = chpl.lookup(line.hs_code)
        if hit is not None and hit.declared not in hits:
            hits[hit.declared] = hit
    return list(hits.values())


def chpl_flag(hit: ChplHit, version: str) -> RiskFlag:
    if hit.exact:
        code = hit.codes[0]
        severity = "medium" if code.tier in ("1", "2") else "low"
        reason = (
            f"HS {hit.declared} is on the Common High Priority List ({version}): "
            f"{code.hs6} tier {code.tier}, {code.description}"
        )
        return RiskFlag(code="chpl_goods", severity=severity, reason=reason)
    listed = ", ".join(f"{c.hs6} (tier {c.tier})" for c in hit.codes)
    reason = (
        f"HS {hit.declared} is declared only to the heading; the Common High Priority List "
        f"({version}) lists {listed} under it"
    )
    return RiskFlag(code="chpl_goods", severity="low", reason=reason)


Grouped = dict[tuple[str, str], list[str]]


def _group(points: Iterable[RoutePoint]) -> Grouped:
    """(leg, country) -> evidence, in first-seen order."""
    grouped: Grouped = {}
    for country, leg, evidence in points:
        said = grouped.setdefault((leg, country), [])
        if evidence not in said:
            said.append(evidence)
    return grouped


def sanctioned_flags(grouped: Grouped, countries: CountryRisk) -> list[RiskFlag]:
    flags: list[RiskFlag] = []
    for (leg, code), evidence in grouped.items():
        listed = countries.sanctioned.get(code)
        if listed is None:
            continue
        reason = (
            f"{leg} {code} ({listed.name}) is under {listed.regime} sanctions: {listed.detail}; "
            f"from {', '.join(evidence)}"
        )
        flags.append(RiskFlag(code=f"sanctioned_{leg}", severity=listed.severity, reason=reason))
    return flags


def region_flags(shipment: Shipment, countries: CountryRisk) -> list[RiskFlag]:
    """Regions have no country code of their own: look for their names in ports and addresses."""
    texts: list[tuple[str, str]] = []
    if shipment.port_of_loading:
        texts.append(("port_of_loading", shipment.port_of_loading))
    if shipment.port_of_discharge:
        texts.append(("port_of_discharge", shipment.port_of_discharge))
    texts.extend(
        (f"{party.role} {party.name!r} address", party.address)
        for party in shipment.parties
        if party.address
    )
    flags: list[RiskFlag] = []
    for region in countries.regions:
        found = [(where, word) for where, text in texts if (word := region.found_in(text))]
        if not found:
            continue
        evidence = "; ".join(f"{where} names {word!r}" for where, word in found)
        reason = f"{region.name} is under {region.regime} sanctions: {evidence}"
        flags.append(RiskFlag(code="sanctioned_region", severity=region.severity, reason=reason))
    return flags


def transshipment_flags(
    hits: Sequence[ChplHit], grouped: Grouped, countries: CountryRisk
) -> list[RiskFlag]:
    if not hits:
        return []
    via = {key: evidence for key, evidence in grouped.items() if key[1] in countries.transshipment}
    if not via:
        return []
    goods = ", ".join(
        f"{hit.declared} (tier {hit.best_tier}{'' if hit.exact else ', possible'})" for hit in hits
    )
    legs = {leg for leg, _ in via}
    exact = any(hit.exact for hit in hits)
    severity = "high" if exact and legs & {"destination", "transit"} else "medium"
    route = "; ".join(
        f"{leg} {code} ({countries.transshipment[code]}, from {', '.join(evidence)})"
        for (leg, code), evidence in via.items()
    )
    reason = (
        f"CHPL goods {goods} routed through a known transshipment country for goods diverted "
        f"to Russia: {route}"
    )
    return [RiskFlag(code="transshipment_route", severity=severity, reason=reason)]


def risk_flags(shipment: Shipment, chpl: ChplTable, countries: CountryRisk) -> list[RiskFlag]:
    hits = chpl_hits(shipment.goods, chpl)
    grouped = _group(route_points(shipment))
    return [
        *sanctioned_flags(grouped, countries),
        *region_flags(shipment, countries),
        *transshipment_flags(hits, grouped, countries),
        *(chpl_flag(hit, chpl.version) for hit in hits),
    ]
