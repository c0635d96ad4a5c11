"""Two names scored: the rules for persons, organisations, numbers and legal forms."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.screening import DEFAULT_THRESHOLD, Screener
from shared.screening.explain import explain_names
from shared.screening.normalise import analyse_name
from shared.screening.score import score_names

compare = Screener().compare


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ("Vladimir Putin", "PUTIN, Vladimir"),
        ("Wladimir Putin", "Vladimir Putin"),  # transliteration variant
        ("Vladmir Putin", "Vladimir Putin"),  # typo
        ("V. Putin", "Vladimir Putin"),  # initial
        ("Vladimir Vladimirovich Putin", "Vladimir Putin"),  # patronymic left out
        ("Владимир Путин", "Vladimir Putin"),  # Cyrillic
        ("محمد علي", "Mohamed Ali"),  # Arabic, through rigour's given-name symbols
        ("Hans J Friedrich", "Hans Joachim Friedrich"),
        ("bin Salman Mohammed", "Mohammed bin Salman"),
        ("VladimirPutin", "Vladimir Putin"),  # joined
        ("Ted Doe", "Theodore Doe"),  # nickname
    ],
)
def test_person_variants_match(query: str, listed: str) -> None:
    assert compare(query, listed, "Person") >= DEFAULT_THRESHOLD


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ("SADDAM HUSSEIN AL-DULAIMI", "SADDAM HUSSEIN AL-TIKRITI"),  # a name part replaced
        ("SALMAN BIN MUHAMMAD AL-RAWI", "MUHAMMAD BIN SALMAN AL-RAWI"),  # father and son swapped
        ("A. Nazarbayev", "Nursultan Nazarbayev"),  # wrong initial
        ("Vladimir Putin", "Vladimir P. Kononov"),  # an initial cannot stand for a surname
        ("Ho Wei", "He Wei"),  # short romanisations of different names
        ("Frederick Buchenberg", "Friedrich Buchenberg"),  # three edits: another name
    ],
)
def test_different_persons_do_not_match(query: str, listed: str) -> None:
    assert compare(query, listed, "Person") < DEFAULT_THRESHOLD


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ("OAO Gazprom", "Open Joint Stock Company Gazprom"),
        ("JSC TACTICAL MISSILES CORP.", "TACTICAL MISSILES CORPORATION JOINT STOCK COMPANY"),
        ("SiemensAG", "Siemens AG"),
        ("Goodwill Company", "Good Will Company"),
        ("PLA", "People's Liberation Army"),  # acronym
        ("1st International Bank", "First International Bank"),
        ("CRISTALORD LIMITED", "CRYSTALORD LTD"),
        ("S 7 ENGINEERING", "S7 ENGINEERING LLC"),
    ],
)
def test_organisation_variants_match(query: str, listed: str) -> None:
    assert compare(query, listed, "Company") >= DEFAULT_THRESHOLD


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ("Volkswagen AG", "Siemens AG"),  # only the legal form in common
        ("CRYSTALORD SYSTEMS LIMITED", "CRYSTALORD LTD"),  # another company of the group
        ("KKR Asian Fund IV L.P.", "KKR Asian Fund III L.P."),  # numbers must agree
        ("Snow Storm 1", "Snow Storm 2"),
        ("Government of Estonia", "Government of Ethiopia"),
        ("Management Company", "Westminister Management Company"),
    ],
)
def test_different_organisations_do_not_match(query: str, listed: str) -> None:
    assert compare(query, listed, "Company") < DEFAULT_THRESHOLD


def test_numbers_disagreeing_is_named_in_the_explanation() -> None:
    query, listed = analyse_name("Fund IV", "org"), analyse_name("Fund III", "org")
    scored = score_names(query, listed)
    assert "numbers disagree" in scored.rules
    assert "numbers disagree" in explain_names(query, listed, scored)


def test_legal_form_conflict_costs_a_little() -> None:
    same = compare("AURUS LLC", "LIMITED LIABILITY COMPANY AURUS")
    other = compare("AURUS JSC", "LIMITED LIABILITY COMPANY AURUS")
    assert same == 1.0
    assert DEFAULT_THRESHOLD < other < same


def test_generic_words_count_for_little() -> None:
    assert compare("AURUS", "AURUS TRADING") > compare("AURUS", "AURUS HOLDINGS KAZAN")


def test_explanation_names_the_tokens_and_the_rules() -> None:
    query = analyse_name("Vladmir Putin", "person")
    listed = analyse_name("PUTIN, Vladimir Vladimirovich", "person")
    text = explain_names(query, listed, score_names(query, listed))
    assert "putin=putin" in text
    assert "vladmir~vladimir (typo" in text
    assert "only in list name: vladimirovich" in text


names = st.lists(st.from_regex(r"[A-Za-z]{3,10}", fullmatch=True), min_size=1, max_size=4).map(
    " ".join
)


@given(names, st.sampled_from(["Person", "Company", "Vessel"]))
@settings(max_examples=200, deadline=None)
def test_a_name_matches_itself_fully(name: str, schema: str) -> None:
    assert compare(name, name, schema) == pytest.approx(1.0)


@given(names, names, st.sampled_from(["Person", "Company"]))
@settings(max_examples=200, deadline=None)
def test_scores_stay_between_zero_and_one(left: str, right: str, schema: str) -> None:
    assert 0.0 <= compare(left, right, schema) <= 1.0
