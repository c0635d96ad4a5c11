"""Risk flags: CHPL goods, sanctioned route and regions, CHPL goods via transshipment points."""

from __future__ import annotations

from typing import Any

import pytest

from services.enrichment.chpl import ChplTable, load_chpl
from services.enrichment.country_risk import CountryRisk, load_country_risk
from services.enrichment.risk import risk_flags, route_points
from shared.schemas import RiskFlag, Shipment


@pytest.fixture(scope="module")
def chpl() -> ChplTable:
    return load_chpl()


@pytest.fixture(scope="module")
def countries() -> CountryRisk:
    return load_country_risk()


def shipment(**fields: Any) -> Shipment:
    data: dict[str, Any] = {
        "shipment_id": "S-1",
        "source": "test",
        "parties": [{"role": "shipper", "name": "KYUNGKI INDUSTRIAL CO", "country": "KR"}],
    }
    data.update(fields)
    return Shipment.model_validate(data)


def flags_by_code(flags: list[RiskFlag]) -> dict[str, list[RiskFlag]]:
    grouped: dict[str, list[RiskFlag]] = {}
    for flag in flags:
        grouped.setdefault(flag.code, []).append(flag)
    return grouped


def test_no_flags_for_ordinary_goods_between_ordinary_countries(
    chpl: ChplTable, countries: CountryRisk
) -> None:
    ship = shipment(origin_country="KR", destination_country="DE", goods=[{"hs_code": "870830"}])
    assert risk_flags(ship, chpl, countries) == []


def test_chpl_goods_names_the_code_and_the_tier(chpl: ChplTable, countries: CountryRisk) -> None:
    ship = shipment(goods=[{"hs_code": "8542310000"}, {"hs_code": "848210"}])
    chpl_flags = flags_by_code(risk_flags(ship, chpl, countries))["chpl_goods"]
    assert len(chpl_flags) == 2
    ic, bearing = chpl_flags
    assert "854231 tier 1" in ic.reason and "processors and controllers" in ic.reason
    assert ic.severity == "medium"
    assert "848210 tier 3.B" in bearing.reason
    assert bearing.severity == "low"


def test_a_heading_only_code_is_a_possible_chpl_match(
    chpl: ChplTable, countries: CountryRisk
) -> None:
    (flag,) = risk_flags(shipment(goods=[{"hs_code": "8542"}]), chpl, countries)
    assert flag.code == "chpl_goods" and flag.severity == "low"
    assert "854231 (tier 1)" in flag.reason and "854239 (tier 1)" in flag.reason


def test_a_chapter_only_code_flags_nothing(chpl: ChplTable, countries: CountryRisk) -> None:
    assert risk_flags(shipment(goods=[{"hs_code": "85"}]), chpl, countries) == []


def test_the_same_code_on_several_lines_flags_once(chpl: ChplTable, countries: CountryRisk) -> None:
    ship = shipment(goods=[{"hs_code": "854232"}, {"hs_code": "854232"}])
    assert len(risk_flags(ship, chpl, countries)) == 1


@pytest.mark.parametrize(
    ("country", "severity", "regime"),
    [("IR", "high", "comprehensive"), ("KP", "high", "comprehensive"), ("RU", "high", "sectoral")],
)
def test_sanctioned_destination(
    chpl: ChplTable, countries: CountryRisk, country: str, severity: str, regime: str
) -> None:
    (flag,) = risk_flags(shipment(destination_country=country), chpl, countries)
    assert flag.code == "sanctioned_destination"
    assert flag.severity == severity
    assert f"destination {country}" in flag.reason and regime in flag.reason


def test_sanctioned_transit_and_origin_are_flagged_apart(
    chpl: ChplTable, countries: CountryRisk
) -> None:
    ship = shipment(origin_country="BY", destination_country="DE", transit_countries=["CU"])
    codes = {flag.code for flag in risk_flags(ship, chpl, countries)}
    assert codes == {"sanctioned_origin", "sanctioned_transit"}


def test_the_consignee_country_counts_as_destination(
    chpl: ChplTable, countries: CountryRisk
) -> None:
    ship = shipment(
        parties=[{"role": "consignee", "name": "AURUS LLC", "country": "RU"}],
        destination_country="RU",
    )
    (flag,) = risk_flags(ship, chpl, countries)
    assert flag.code == "sanctioned_destination"
    assert "destination_country" in flag.reason and "consignee 'AURUS LLC'" in flag.reason


def test_a_sanctioned_region_is_found_in_the_port_or_the_address(
    chpl: ChplTable, countries: CountryRisk
) -> None:
    ship = shipment(
        destination_country="UA",
        port_of_discharge="Sevastopol",
        parties=[{"role": "consignee", "name": "X", "address": "ul. Lenina 1, Luhansk"}],
    )
    regions = flags_by_code(risk_flags(ship, chpl, countries))["sanctioned_region"]
    reasons = " | ".join(flag.reason for flag in regions)
    assert len(regions) == 2
    assert "Crimea" in reasons and "port_of_discharge names 'Sevastopol'" in reasons
    assert "Luhansk" in reasons


def test_region_keywords_match_whole_words_only(chpl: ChplTable, countries: CountryRisk) -> None:
    ship = shipment(port_of_discharge="Dnrstown harbour")
    assert risk_flags(ship, chpl, countries) == []


def test_chpl_goods_through_a_transshipment_country(
    chpl: ChplTable, countries: CountryRisk
) -> None:
    ship = shipment(
        origin_country="KR",
        destination_country="KZ",
        transit_countries=["AE"],
        goods=[{"hs_code": "854231"}],
    )
    (flag,) = flags_by_code(risk_flags(ship, chpl, countries))["transshipment_route"]
    assert flag.severity == "high"
    assert "854231 (tier 1)" in flag.reason
    assert "destination KZ (Kazakhstan" in flag.reason and "transit AE" in flag.reason


def test_transshipment_needs_chpl_goods(chpl: ChplTable, countries: CountryRisk) -> None:
    ship = shipment(destination_country="KZ", goods=[{"hs_code": "870830"}])
    assert risk_flags(ship, chpl, countries) == []


def test_chpl_goods_from_a_transshipment_origin_are_medium(
    chpl: ChplTable, countries: CountryRisk
) -> None:
    ship = shipment(origin_country="CN", destination_country="DE", goods=[{"hs_code": "854239"}])
    (flag,) = flags_by_code(risk_flags(ship, chpl, countries))["transshipment_route"]
    assert flag.severity == "medium"
    assert "origin CN (China" in flag.reason


def test_route_points_say_where_each_country_comes_from() -> None:
    ship = shipment(
        origin_country="KR",
        destination_country="RU",
        transit_countries=["KZ"],
        parties=[
            {"role": "shipper", "name": "A", "country": "KR"},
            {"role": "forwarder", "name": "B", "country": "AE"},
        ],
    )
    points = [(p.country, p.leg, p.evidence) for p in route_points(ship)]
    assert points == [
        ("KR", "origin", "origin_country"),
        ("RU", "destination", "destination_country"),
        ("KZ", "transit", "transit_countries"),
        ("KR", "origin", "shipper 'A'"),
    ]
