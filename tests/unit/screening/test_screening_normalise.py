"""Names to tokens: Unicode, case, scripts, punctuation, legal forms, numbers, person order."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.screening.identifiers import normalise_identifier, types_compatible
from shared.screening.normalise import analyse_name, has_legal_form, name_class_of
from shared.screening.tokens import NameClass


def texts(name: str, name_class: NameClass = "org") -> list[str]:
    return [token.text for token in analyse_name(name, name_class).tokens]


@pytest.mark.parametrize(
    "written",
    [
        "OOO AURUS",
        "ООО «АУРУС»",
        "AURUS LLC",
        "Aurus, L.L.C.",
        "Limited Liability Company Aurus",
        "LIMITED LIABILITY COMPANY AURUS",
        "Obshchestvo s ogranichennoy otvetstvennostyu Aurus",
        "Общество с ограниченной ответственностью «Аурус»",
        "o.o.o. aurus",
    ],
)
def test_limited_liability_company_in_every_language_is_one_legal_form(written: str) -> None:
    form = analyse_name(written, "org")
    assert [t.text for t in form.tokens] == ["aurus"]
    assert form.legal == {"LLC"}


@pytest.mark.parametrize(
    "written", ["JSC X", "AO X", "АО «X»", "Joint Stock Company X", "OAO X", "Aktiengesellschaft X"]
)
def test_joint_stock_companies_share_a_class(written: str) -> None:
    assert analyse_name(written, "org").legal == {"JSC"}


def test_legal_forms_mark_a_name_as_a_company() -> None:
    assert has_legal_form("KYUNGKI INDUSTRIAL CO., LTD.")
    assert not has_legal_form("Vladimir Putin")


def test_fullwidth_and_compatibility_characters_fold() -> None:
    assert texts("ＡＵＲＵＳ") == ["aurus"]
    assert texts("ﬁrm") == ["firm"]


def test_cyrillic_greek_and_arabic_become_latin() -> None:
    assert texts("Владимир Путин", "person") == ["vladimir", "putin"]
    assert texts("Νικόλαος", "person") == ["nikolaos"]
    assert all(t.isascii() for t in texts("محمد علي", "person"))


def test_arabic_tokens_keep_their_script_and_given_name_symbols() -> None:
    token = analyse_name("محمد", "person").tokens[0]
    assert token.native == "محمد"
    assert any(symbol.startswith("N:") for symbol in token.symbols)


def test_chinese_names_are_read_syllable_by_syllable() -> None:
    assert texts("习近平", "person") == ["xi", "jin", "ping"]


def test_korean_names_split_off_the_family_name() -> None:
    family, given = analyse_name("김정은", "person").tokens
    assert (family.native, given.native) == ("김", "정은")


def test_punctuation_goes() -> None:
    assert texts("A.B.C. Company") == texts("ABC Company")
    assert texts("Margarita-Simonyan", "person") == ["margarita", "simonyan"]


def test_surname_first_with_comma_is_reordered_for_persons() -> None:
    assert texts("PUTIN, Vladimir", "person") == ["vladimir", "putin"]
    assert texts("Apple, Inc.") == ["apple"]


def test_honorifics_are_dropped() -> None:
    assert texts("Mr. Recep Tayyip Erdoğan", "person") == ["recep", "tayyip", "erdogan"]


def test_numbers_in_words_roman_and_digits() -> None:
    assert [t.number for t in analyse_name("Brigade Forty-Four", "org").tokens] == [None, 44]
    assert analyse_name("KKR Asian Fund IV L.P.", "org").tokens[-1].number == 4
    assert analyse_name("Victory 3", "object").tokens[-1].number == 3


def test_initials_stay_initials_in_person_names() -> None:
    first = analyse_name("V. Putin", "person").tokens[0]
    assert first.initial and first.number is None


def test_generic_words_weigh_less_than_names() -> None:
    weights = {t.text: t.weight for t in analyse_name("AURUS TRADING COMPANY", "org").tokens}
    assert weights["aurus"] > weights["trading"]


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("person", "person"), ("Company", "org"), ("organization", "org"), ("Vessel", "object")],
)
def test_kinds_and_schemas_map_to_name_classes(kind: str, expected: str) -> None:
    assert name_class_of(kind) == expected


@pytest.mark.parametrize(
    "written", ["7743237789", "RU7743237789", "RU 774-323-7789", " 7743 237 789 ", "ru7743237789"]
)
def test_identifier_formatting_does_not_matter(written: str) -> None:
    assert normalise_identifier(written) == "7743237789"


def test_imo_prefix_and_short_values() -> None:
    assert normalise_identifier("IMO 9187629") == "9187629"
    assert normalise_identifier("12-3") == ""


def test_identifier_types_that_may_stand_for_each_other() -> None:
    assert types_compatible("tax_id", "registration")
    assert types_compatible("customs_code", "tax_id")
    assert not types_compatible("imo", "tax_id")


@given(st.text(max_size=80))
@settings(max_examples=300, deadline=None)
def test_any_text_analyses_without_error(text: str) -> None:
    classes: tuple[NameClass, ...] = ("person", "org", "object")
    for name_class in classes:
        form = analyse_name(text, name_class)
        for token in form.tokens:
            assert token.text
            assert 0.0 < token.weight <= 1.0


words = st.lists(st.from_regex(r"[A-Za-z]{2,9}", fullmatch=True), min_size=1, max_size=5)


@given(words)
@settings(max_examples=200, deadline=None)
def test_case_does_not_matter(parts: list[str]) -> None:
    name = " ".join(parts)
    assert texts(name.upper()) == texts(name.lower())


@given(words, st.sampled_from([".", ",", "-", " . ", "'", '"']))
@settings(max_examples=200, deadline=None)
def test_punctuation_between_words_does_not_matter(parts: list[str], mark: str) -> None:
    spaced = texts(" ".join(parts))
    marked = texts(f"{mark} ".join(parts))
    assert "".join(spaced) == "".join(marked)


@given(st.from_regex(r"[0-9]{6,12}", fullmatch=True), st.sampled_from(["", " ", "-", "."]))
@settings(max_examples=200, deadline=None)
def test_identifier_separators_do_not_matter(digits: str, separator: str) -> None:
    spaced = separator.join(digits[i : i + 3] for i in range(0, len(digits), 3))
    assert normalise_identifier(spaced) == normalise_identifier(digits).lstrip() != ""
