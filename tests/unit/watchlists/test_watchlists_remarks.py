"""Remarks and identifier parsing: examples from the real SDN list, and properties."""

# ruff: noqa: E501  (one real remark per line reads better than wrapped ones)

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.watchlists.identifiers import make_identifier, normalise_value, type_of_label
from shared.watchlists.ofac_remarks import parse_birth_dates, parse_remarks, split_value


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("Tax ID No. 7743237789 (Russia)", ("tax_id", "7743237789", "RU")),
        ("Registration Number 5177746340998 (Russia)", ("registration", "5177746340998", "RU")),
        ("Vessel Registration Identification IMO 9187629", ("imo", "9187629", None)),
        ("IMO 9187629", ("imo", "9187629", None)),
        ("Passport 1084010 (Egypt) issued 1999 expires 2004", ("passport", "1084010", "EG")),
        ("National ID No. 216040 (Yemen)", ("national_id", "216040", "YE")),
        ("SWIFT/BIC SABRRUMM", ("swift_bic", "SABRRUMM", None)),
        ("Legal Entity Number 253400V1H6ART1UQ0N98 (Russia)", ("lei", "253400V1H6ART1UQ0N98", "RU")),
        ("Tax ID No. AABA 670850 Y", ("tax_id", "AABA670850Y", None)),
        ("Identification Number AO 2879097 (Italy) expires 30 Oct 2012", ("national_id", "AO2879097", "IT")),
        ("Unified Social Credit Code (USCC) 9113100033607322XK (China)", ("registration", "9113100033607322XK", "CN")),
        ("Aircraft Construction Number (also called L/N or S/N or F/N) 8401", ("aircraft_msn", "8401", None)),
        ("R.F.C. DIB-771110-HQ1 (Mexico)", ("tax_id", "DIB771110HQ1", "MX")),
        ("alt. Passport C00146605 (Libya)", ("passport", "C00146605", "LY")),
        ("Email Address info@example.com", ("email", "info@example.com", None)),
        ("Website www.sberbank.ru", ("website", "www.sberbank.ru", None)),
        ("MMSI 572469210", ("mmsi", "572469210", None)),
        ("BIK (RU) 044030707", ("bik", "044030707", None)),
        ("D-U-N-S Number 542957624", ("duns", "542957624", None)),
    ],
)  # fmt: skip
def test_identifiers_in_remarks(statement: str, expected: tuple[str, str, str | None]) -> None:
    facts = parse_remarks(statement + ".")
    assert [(i.type, i.value, i.country) for i in facts.identifiers] == [expected]


def test_free_text_is_not_an_identifier() -> None:
    facts = parse_remarks(
        "Linked To: HIZBALLAH; Gender Male; Organization Established Date 1969; "
        "Target Type Government Entity; Secondary sanctions risk: section 1(b)."
    )
    assert facts.identifiers == [] and facts.aliases == [] and facts.countries == []


def test_aliases_dates_and_nationality() -> None:
    facts = parse_remarks(
        "DOB 10 Dec 1948; DOB circa 1951; DOB 1955 to 1958; DOB Mar 1960; nationality Egypt; "
        "citizen Korea, North; a.k.a. 'ABU HAFS'; f.k.a. 'NU'MAN'; n.k.a. 'NEW CO'."
    )
    assert facts.birth_dates == ["1948-12-10", "1951", "1955", "1958", "1960-03"]
    assert facts.countries == ["EG", "KP"]
    assert [(a.name, a.type, a.weak) for a in facts.aliases] == [
        ("ABU HAFS", "aka", True),
        ("NU'MAN", "fka", True),
        ("NEW CO", "nka", True),
    ]


def test_value_keeps_parentheses_that_name_no_country() -> None:
    assert split_value("12345 (USCC)") == ("12345 (USCC)", None)
    assert split_value("7743237789 (Russia)") == ("7743237789", "RU")


def test_labels_map_to_types() -> None:
    assert type_of_label("INN") == "tax_id"
    assert type_of_label("OGRN") == "registration"
    assert type_of_label("Tax ID No.") == "tax_id"
    assert type_of_label("Nationality") is None


def test_imo_prefix_is_dropped() -> None:
    identifier = make_identifier("imo", "IMO 9187629")
    assert identifier is not None and identifier.value == "9187629"
    assert make_identifier("tax_id", " - ") is None


@given(st.text(max_size=300))
def test_parse_remarks_never_raises(text: str) -> None:
    facts = parse_remarks(text)
    for identifier in facts.identifiers:
        assert identifier.value.strip()


@given(st.text(alphabet=string.printable, min_size=1, max_size=40))
def test_compact_values_are_upper_alphanumeric_and_idempotent(value: str) -> None:
    compact = normalise_value("tax_id", value)
    assert compact == compact.upper()
    assert all(c.isalnum() for c in compact)
    assert normalise_value("tax_id", compact) == compact


@given(st.dates(), st.sampled_from(["%d %b %Y", "%b %Y", "%Y"]))
def test_birth_dates_round_trip(day: object, fmt: str) -> None:
    from datetime import date

    assert isinstance(day, date)
    if day.year < 1000:
        return
    width = {"%d %b %Y": 10, "%b %Y": 7, "%Y": 4}[fmt]
    assert parse_birth_dates(day.strftime(fmt)) == [day.isoformat()[:width]]
