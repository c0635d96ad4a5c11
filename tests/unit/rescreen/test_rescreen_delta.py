"""The look-back window and what a delta touches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.rescreen import Delta, window
from shared.schemas import WatchlistEntry

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def test_window_follows_the_newest_shipment_when_it_is_older_than_now() -> None:
    newest = datetime(2024, 2, 21, 9, 0, tzinfo=UTC)
    span = window(lookback_days=90, now=NOW, newest_shipment=newest, as_of=None)
    assert span.as_of == newest
    assert span.since == newest - timedelta(days=90)


def test_a_future_dated_shipment_cannot_push_the_window_past_now() -> None:
    span = window(lookback_days=90, now=NOW, newest_shipment=NOW + timedelta(days=400), as_of=None)
    assert span.as_of == NOW and span.since == NOW - timedelta(days=90)


def test_no_shipment_stored_means_now() -> None:
    assert window(lookback_days=7, now=NOW, newest_shipment=None, as_of=None).as_of == NOW


def test_as_of_given_wins() -> None:
    as_of = datetime(2024, 2, 23, tzinfo=UTC)
    span = window(lookback_days=30, now=NOW, newest_shipment=NOW, as_of=as_of)
    assert (span.as_of, span.since) == (as_of, as_of - timedelta(days=30))


def test_negative_lookback_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        window(lookback_days=-1, now=NOW, newest_shipment=None, as_of=None)


def test_refs_cover_added_changed_and_removed_entries(
    entries: dict[str, dict[str, Any]], make_entry: Any
) -> None:
    new: tuple[WatchlistEntry, ...] = (make_entry(entries["aurus"]), make_entry(entries["old"]))
    delta = Delta("tw-test", "v2", 2, new, removed=("9",))
    assert delta.refs == {("tw-test", "47956"), ("tw-test", "1001"), ("tw-test", "9")}
    assert delta.has_new_entries
    assert not Delta("tw-test", "v3", 3, (), removed=("9",)).has_new_entries
