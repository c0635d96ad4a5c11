"""The field normalisers: examples that pin the documented forms, properties that hold for all."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rigour.territories import get_territories

from services.ingest import normalise
from services.ingest.normalise import NormaliseError, clean_text

# --- text -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  AURUS \t\n LLC  ", "AURUS LLC"),
        ("AU\x00RUS", "AURUS"),
        ("AURUS\u200bLLC", "AURUSLLC"),
        ("\ufeffOOO «АУРУС»", "OOO «АУРУС»"),
        ("Cafe\u0301", "Café"),
        ("a\x1fb", "a b"),
        ("\x00\x01\x02", ""),
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),
        ("'; DROP TABLE shipments; --", "'; DROP TABLE shipments; --"),
    ],
)
def test_clean_text_examples(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


@settings(deadline=None)
@given(st.text())
def test_clean_text_leaves_no_controls_or_runs_of_space(raw: str) -> None:
    clean = clean_text(raw)
    assert clean == clean.strip()
    assert "  " not in clean
    assert not any(unicodedata.category(ch) == "Cc" for ch in clean)
    assert clean_text(clean) == clean


@settings(deadline=None)
@given(st.text(alphabet=st.characters(categories=["L", "N"]), min_size=1))
def test_clean_text_keeps_letters_and_digits(raw: str) -> None:
    assert clean_text(raw) == unicodedata.normalize("NFC", raw)


@pytest.mark.parametrize(
    ("raw", "key"),
    [("Tax ID", "tax_id"), ("  REGISTRATION ", "registration"), ("lei-code", "lei_code")],
)
def test_identifier_key(raw: str, key: str) -> None:
    assert normalise.identifier_key(raw) == key


# --- countries ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("Russia", "RU"),
        ("Russian Federation", "RU"),
        ("RUS", "RU"),
        ("ru", "RU"),
        ("Россия", "RU"),
        ("Korea, Republic of", "KR"),
        ("South Korea", "KR"),
        ("KOR", "KR"),
        ("Türkiye", "TR"),
        ("Turkey", "TR"),
        ("Hong Kong", "HK"),
        ("  united   kingdom ", "GB"),
        ("UK", "GB"),
        ("USA", "US"),
    ],
)
def test_country_examples(raw: str, code: str) -> None:
    assert normalise.country(raw) == code


@pytest.mark.parametrize("raw", ["Atlantis", "EU", "ZZ", "Soviet Union", "", "x" * 10_000])
def test_country_refuses_what_names_no_country(raw: str) -> None:
    with pytest.raises(NormaliseError) as error:
        normalise.country(raw)
    assert error.value.error_type == "unknown_country"


COUNTRIES = [t for t in get_territories() if t.is_country and not t.is_historical and t.alpha3]


@settings(deadline=None)
@given(st.sampled_from(COUNTRIES), st.sampled_from(["code", "alpha3", "name"]))
def test_every_country_resolves_by_code_alpha3_and_name(territory: object, form: str) -> None:
    code, alpha3, name = territory.code, territory.alpha3, territory.name  # type: ignore[attr-defined]
    text = {"code": code, "alpha3": alpha3, "name": name}[form]
    assert normalise.country(text) == code.upper()


@settings(deadline=None)
@given(st.text(max_size=60))
def test_country_is_alpha2_or_a_clear_error(raw: str) -> None:
    try:
        code = normalise.country(raw)
    except NormaliseError as error:
        assert "unknown country" in str(error)
    else:
        assert re.fullmatch(r"[A-Z]{2}", code)


# --- HS codes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "digits"),
    [("8708.30", "870830"), ("8708 30 99", "87083099"), (870830, "870830"), ("85", "85")],
)
def test_hs_code_examples(raw: str | int, digits: str) -> None:
    assert normalise.hs_code(raw) == digits


@pytest.mark.parametrize("raw", ["8", "12345678901", "87a8", "", "..", "８７０８", -85, True])
def test_hs_code_refused(raw: str | int) -> None:
    with pytest.raises(NormaliseError) as error:
        normalise.hs_code(raw)
    assert error.value.error_type == "invalid_hs_code"


@settings(deadline=None)
@given(
    st.text(alphabet="0123456789", min_size=2, max_size=10),
    st.lists(st.sampled_from([".", " ", "-"]), max_size=4),
    st.randoms(use_true_random=False),
)
def test_hs_code_strips_separators_anywhere(
    digits: str, separators: list[str], rnd: object
) -> None:
    chars = list(digits)
    for separator in separators:
        chars.insert(rnd.randrange(len(chars) + 1), separator)  # type: ignore[attr-defined]
    assert normalise.hs_code("".join(chars)) == digits


@settings(deadline=None)
@given(st.one_of(st.text(max_size=30), st.integers()))
def test_hs_code_is_digits_or_a_clear_error(raw: str | int) -> None:
    try:
        digits = normalise.hs_code(raw)
    except NormaliseError:
        return
    assert re.fullmatch(r"[0-9]{2,10}", digits)
    assert normalise.hs_code(digits) == digits


# --- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-02-21", datetime(2024, 2, 21, tzinfo=UTC)),
        ("21.02.2024", datetime(2024, 2, 21, tzinfo=UTC)),
        ("21.02.2024 09:30", datetime(2024, 2, 21, 9, 30, tzinfo=UTC)),
        ("2024/02/21", datetime(2024, 2, 21, tzinfo=UTC)),
        ("20240221", datetime(2024, 2, 21, tzinfo=UTC)),
        ("2024-02-21T09:30:00+09:00", datetime(2024, 2, 21, 0, 30, tzinfo=UTC)),
        ("2024-02-21T09:30:00Z", datetime(2024, 2, 21, 9, 30, tzinfo=UTC)),
        ("2024-02-21 09:30:00", datetime(2024, 2, 21, 9, 30, tzinfo=UTC)),
        (date(2024, 2, 21), datetime(2024, 2, 21, tzinfo=UTC)),
    ],
)
def test_datetime_examples(raw: str | date, expected: datetime) -> None:
    parsed = normalise.utc_datetime(raw)
    assert parsed == expected
    assert parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("02/03/2024", "ambiguous"),
        ("31.02.2024", "unreadable"),
        ("yesterday", "unreadable"),
        ("0001-01-01T00:00:00+01:00", "outside"),
        ("1850-01-01", "outside"),
    ],
)
def test_datetime_refused(raw: str, says: str) -> None:
    with pytest.raises(NormaliseError, match=says):
        normalise.utc_datetime(raw)


AWARE = st.datetimes(
    min_value=datetime(1901, 1, 1),
    max_value=datetime(2998, 12, 31),
    timezones=st.builds(
        timezone, st.timedeltas(min_value=timedelta(hours=-23), max_value=timedelta(hours=23))
    ),
)


@settings(deadline=None)
@given(AWARE)
def test_iso_text_with_offset_keeps_the_instant(moment: datetime) -> None:
    parsed = normalise.utc_datetime(moment.isoformat())
    assert parsed == moment
    assert parsed.tzinfo is UTC


@settings(deadline=None)
@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2999, 12, 31)))
def test_naive_is_taken_as_utc(moment: datetime) -> None:
    assert normalise.utc_datetime(moment.isoformat()) == moment.replace(tzinfo=UTC)


@settings(deadline=None)
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)))
def test_day_first_dotted_dates(day: date) -> None:
    text = f"{day.day:02d}.{day.month:02d}.{day.year:04d}"
    assert normalise.utc_datetime(text).date() == day


@settings(deadline=None)
@given(st.text(max_size=40))
def test_datetime_is_utc_or_a_clear_error(raw: str) -> None:
    try:
        parsed = normalise.utc_datetime(raw)
    except NormaliseError as error:
        assert error.error_type == "invalid_date"
    else:
        assert parsed.utcoffset() == timedelta(0)
