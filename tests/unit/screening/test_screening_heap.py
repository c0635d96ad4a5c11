"""Screening a stream of new parties must not leave objects behind for the garbage collector:
each one kept is scanned by every full collection, a pause of the whole service."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from shared.screening import Screener
from tests.unit.screening.conftest import EntryFactory


def new_word(number: int) -> str:
    """A made-up word for `number`, different for every number: `zob`, `zoc`, ..."""
    letters = []
    while number:
        number, digit = divmod(number, 26)
        letters.append(chr(ord("a") + digit))
    return "zo" + "".join(letters)


@pytest.fixture
def frozen_heap() -> Iterator[None]:
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def test_new_parties_leave_nothing_for_the_collector_to_scan(
    make_entry: EntryFactory, frozen_heap: None
) -> None:
    screener = Screener(
        [
            make_entry("1", "LIMITED LIABILITY COMPANY AURUS"),
            make_entry("2", "ALPHA PRECISION TRADING FZE"),
            make_entry("3", "NORDIC MARINE PARTS OY"),
        ]
    )
    screener.screen("warm up parts trading", country="DE")
    gc.collect()
    before = len(gc.get_objects())

    for number in range(2_000):
        screener.screen(f"Baltic {new_word(number + 1)} Trading GmbH", country="DE")
    gc.collect()

    # Before: each new party's analysed name stayed cached (a form, its tokens, sets: about
    # eight objects), and each new word a group of empty lists: 20,000 objects here.
    assert len(gc.get_objects()) - before < 200
