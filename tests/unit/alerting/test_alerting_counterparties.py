"""Counterparty identity is stable and ignores how a name or identifier is punctuated."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from services.alerting.counterparties import (
    counterparty_id,
    normalise_identifiers,
    normalise_name,
)


def test_punctuation_case_and_spacing_do_not_make_a_new_counterparty() -> None:
    a = counterparty_id("Aurus, L.L.C.", "RU", {"Tax ID": "7743-237-789"})
    b = counterparty_id("  AURUS L L C ", "ru", {"tax_id": "7743237789"})
    assert a == b
    assert len(a) == 32
    assert a != counterparty_id("Aurus, L.L.C.", "KZ", {"tax_id": "7743237789"})
    assert a != counterparty_id("Aurus, L.L.C.", "RU", {})


def test_the_id_is_pinned_so_stored_ids_stay_valid() -> None:
    assert counterparty_id("AURUS LLC", "RU", {"tax_id": "7743237789"}) == counterparty_id(
        "aurus llc", "RU", {"TAX_ID": "7743237789"}
    )
    assert normalise_name("ООО «АУРУС»") == "ооо аурус"
    assert normalise_identifiers({"Tax ID": " 77-43 ", "empty": "--"}) == {"tax_id": "7743"}


@given(st.text(max_size=40))
def test_normalising_a_name_is_idempotent(name: str) -> None:
    once = normalise_name(name)
    assert normalise_name(once) == once
