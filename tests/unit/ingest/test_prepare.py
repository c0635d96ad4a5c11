"""prepare(): a raw record -> a canonical Shipment, or every reason it cannot be one."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.ingest import ShipmentInvalid, prepare
from services.ingest.structure import MAX_DEPTH
from shared.schemas.shipment import Shipment


def aurus(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "shipment_id": "KR-2024-000117",
        "source": "kcs",
        "declared_at": "21.02.2024",
        "direction": "Export",
        "origin_country": "Republic of Korea",
        "destination_country": "RUS",
        "transit_countries": ["China", "KAZ"],
        "parties": [
            {
                "role": "Exporter",
                "name": "  Kyungki\tIndustrial  Co ",
                "country": "South Korea",
                "identifiers": {"Tax ID": 1248112345},
            },
            {
                "role": "consignee",
                "name": "LIMITED LIABILITY COMPANY AURUS",
                "country": "Russian Federation",
                "identifiers": {"TAX_ID": "7743237789"},
            },
        ],
        "goods": [
            {"hs_code": "8708.30", "quantity": "120", "value": 45000.5, "currency": "usd"},
            {"hs_code": 870899, "description": " gear \n box "},
        ],
        "vessel": {"name": "SEA  STAR", "imo": "IMO 9321483"},
    }
    record.update(overrides)
    return record


def errors_of(raw: object, default_source: str | None = None) -> dict[str, str]:
    with pytest.raises(ShipmentInvalid) as invalid:
        prepare(raw, default_source)
    return {error.where: error.type for error in invalid.value.errors}


def test_a_record_becomes_its_canonical_form() -> None:
    shipment = prepare(aurus())
    assert shipment.key == "kcs:KR-2024-000117"
    assert shipment.declared_at == datetime(2024, 2, 21, tzinfo=UTC)
    assert shipment.direction == "export"
    assert (shipment.origin_country, shipment.destination_country) == ("KR", "RU")
    assert shipment.transit_countries == ["CN", "KZ"]
    shipper, consignee = shipment.parties
    assert (shipper.role, shipper.name, shipper.country) == (
        "shipper",
        "Kyungki Industrial Co",
        "KR",
    )
    assert shipper.identifiers == {"tax_id": "1248112345"}
    assert consignee.identifiers == {"tax_id": "7743237789"}
    assert [g.hs_code for g in shipment.goods] == ["870830", "870899"]
    assert shipment.goods[0].currency == "USD"
    assert shipment.goods[1].description == "gear box"
    assert shipment.vessel is not None and shipment.vessel.imo == "9321483"
    assert shipment.vessel.name == "SEA STAR"


def test_unknown_fields_are_kept_under_extra() -> None:
    shipment = prepare(aurus(customs_office="Busan", incoterms={"code": "FOB"}))
    assert shipment.extra == {"customs_office": "Busan", "incoterms": {"code": "FOB"}}


def test_default_source_fills_only_what_is_missing() -> None:
    without = aurus()
    del without["source"]
    assert prepare(without, "file").source == "file"
    assert prepare(aurus(), "file").source == "kcs"
    assert errors_of(without) == {"source": "missing"}


def test_every_bad_field_is_named_once() -> None:
    record = aurus(origin_country="Atlantis", declared_at="02/03/2024")
    record["parties"][1]["country"] = "Narnia"
    record["goods"][0]["hs_code"] = "87x"
    record["parties"][0]["role"] = "boss"
    assert errors_of(record) == {
        "origin_country": "unknown_country",
        "declared_at": "invalid_date",
        "parties.1.country": "unknown_country",
        "goods.0.hs_code": "invalid_hs_code",
        "parties.0.role": "literal_error",
    }


@pytest.mark.parametrize(
    ("raw", "where", "error_type"),
    [
        ([], "(record)", "not_an_object"),
        ("a shipment", "(record)", "not_an_object"),
        (None, "(record)", "not_an_object"),
        ({}, "shipment_id", "missing"),
        ({"shipment_id": "x", "source": "s", "parties": []}, "parties", "too_short"),
        (
            {"shipment_id": "x", "source": "s:1", "parties": [{"role": "buyer", "name": "n"}]},
            "source",
            "string_pattern_mismatch",
        ),
        (aurus(shipment_id=["list"]), "shipment_id", "string_type"),
        (aurus(parties="AURUS"), "parties", "list_type"),
        (
            aurus(parties=[{"role": "buyer", "name": "x" * 1_000_001}]),
            "parties.0.name",
            "string_too_long",
        ),
        (
            aurus(parties=[{"role": "buyer", "name": " \x00 "}]),
            "parties.0.name",
            "string_too_short",
        ),
        (aurus(goods=[{"value": float("nan")}]), "goods.0.value", "non_finite_number"),
        (aurus(weight=float("inf")), "weight", "non_finite_number"),
        (aurus(note="\ud800"), "note", "invalid_unicode"),
        (aurus(declared_at=1708473600), "declared_at", "invalid_date"),
        (aurus(extra=5), "extra", "dict_type"),
    ],
)
def test_hostile_records_are_refused_at_the_right_place(
    raw: object, where: str, error_type: str
) -> None:
    assert errors_of(raw).get(where) == error_type


def test_nesting_beyond_the_limit_is_refused() -> None:
    nested: Any = "deep"
    for _ in range(MAX_DEPTH + 5):
        nested = {"a": nested}
    assert errors_of(aurus(blob=nested)) == {"blob" + ".a" * (MAX_DEPTH - 1): "too_deeply_nested"}


@pytest.mark.parametrize(
    "text", ["'; DROP TABLE shipments; --", "<script>alert(1)</script>", "${jndi:ldap://x}"]
)
def test_injection_strings_are_data_kept_verbatim(text: str) -> None:
    record = aurus()
    record["parties"][0]["name"] = text
    assert prepare(record).parties[0].name == text


def test_an_identifier_given_twice_differently_is_refused() -> None:
    record = aurus()
    record["parties"][0]["identifiers"] = {"Tax ID": "1", "tax_id": "2"}
    assert errors_of(record) == {"parties.0.identifiers": "duplicate_identifier"}


def test_prepare_is_idempotent_on_its_own_output() -> None:
    shipment = prepare(aurus(note="kept"))
    again = prepare(json.loads(shipment.model_dump_json()))
    assert again == shipment


JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(),
    st.text(max_size=20),
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
FIELDS = st.sampled_from(
    [
        "shipment_id",
        "source",
        "declared_at",
        "origin_country",
        "parties",
        "goods",
        "vessel",
        "transit_countries",
        "extra",
        "direction",
        "port_of_loading",
        "other",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(FIELDS, JSON_VALUES, max_size=8), st.sampled_from([None, "dflt"]))
def test_any_json_gives_a_shipment_or_field_errors(raw: dict[str, Any], source: str | None) -> None:
    try:
        shipment = prepare(raw, source)
    except ShipmentInvalid as invalid:
        assert invalid.errors
        assert all(isinstance(error.msg, str) and error.type for error in invalid.errors)
        return
    assert Shipment.model_validate_json(shipment.model_dump_json()) == shipment


@settings(max_examples=200, deadline=None)
@given(
    st.fixed_dictionaries(
        {"role": st.sampled_from(["shipper", "consignee"]), "name": st.text(min_size=1)},
        optional={
            "country": st.text(max_size=20),
            "identifiers": st.dictionaries(st.text(max_size=10), st.text(max_size=10), max_size=3),
        },
    )
)
def test_any_party_gives_a_shipment_or_field_errors(party: dict[str, Any]) -> None:
    try:
        shipment = prepare({"shipment_id": "1", "source": "s", "parties": [party]})
    except ShipmentInvalid as invalid:
        assert all(
            error.loc[:1] == ("parties",) or error.type == "invalid_unicode"
            for error in invalid.errors
        )
        return
    assert shipment.parties[0].name == shipment.parties[0].name.strip() != ""
