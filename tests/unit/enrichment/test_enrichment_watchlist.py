"""The watchlist index's bookkeeping, the follower that builds and updates it, the list metrics."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

import orjson
import pytest
from prometheus_client import CollectorRegistry

from services.enrichment.index import Change, WatchlistIndex
from services.enrichment.metrics import WatchlistCollector
from services.enrichment.watchlist_follower import (
    FollowerFailed,
    TopicReader,
    WatchlistFollower,
    WatchlistNotReady,
    decode_change,
)
from shared.kafka.records import Record
from shared.schemas import Party, WatchlistEntry
from tests.unit.enrichment.fakes import ExactNameMatcher


def entry(
    entry_id: str,
    name: str = "ACME",
    list_id: str = "us-ofac-sdn",
    version: str = "v1",
    day: int = 1,
) -> WatchlistEntry:
    return WatchlistEntry(
        list_id=list_id,
        entry_id=entry_id,
        kind="organization",
        name=name,
        list_version=version,
        published_at=datetime(2024, 5, day, tzinfo=UTC),
    )


def upsert(e: WatchlistEntry) -> Change:
    return Change(e.list_id, e.entry_id, e)


def tombstone(list_id: str, entry_id: str) -> Change:
    return Change(list_id, entry_id, None)


def record(key: str | None, value: bytes | None, offset: int = 0) -> Record:
    return Record("watchlist.entries.v1", 0, offset, key.encode() if key else None, value)


def entry_record(e: WatchlistEntry, offset: int = 0) -> Record:
    return record(e.key, e.model_dump_json().encode(), offset)


# the index -------------------------------------------------------------------------------


def test_the_index_counts_entries_per_list_and_reports_the_newest_version() -> None:
    matcher = ExactNameMatcher()
    index = WatchlistIndex(matcher)
    applied = index.apply(
        [
            upsert(entry("1")),
            upsert(entry("2")),
            upsert(entry("2", version="v2", day=3)),  # the same entry again, newer load
            upsert(entry("9", list_id="gb-hmt-ofsi", version="o1")),
        ]
    )
    assert applied == 4
    assert len(index) == 3
    assert index.list_versions() == {"gb-hmt-ofsi": "o1", "us-ofac-sdn": "v2"}
    sdn = next(s for s in index.statuses() if s.list_id == "us-ofac-sdn")
    assert (sdn.entries, sdn.version, sdn.published_at.day) == (2, "v2", 3)


def test_a_tombstone_removes_the_entry_and_an_emptied_list_disappears() -> None:
    matcher = ExactNameMatcher()
    index = WatchlistIndex(matcher)
    index.apply([upsert(entry("1")), upsert(entry("2", version="v2", day=2))])
    assert index.apply([tombstone("us-ofac-sdn", "2")]) == 1
    assert matcher.removed == [("us-ofac-sdn", "2")]
    # the newest remaining version is the one the list is at now
    assert index.list_versions() == {"us-ofac-sdn": "v1"}
    index.apply([tombstone("us-ofac-sdn", "1")])
    assert index.list_versions() == {} and len(index) == 0


def test_a_tombstone_for_an_unknown_entry_changes_nothing() -> None:
    matcher = ExactNameMatcher()
    index = WatchlistIndex(matcher)
    assert index.apply([tombstone("us-ofac-sdn", "404")]) == 0
    assert matcher.removed == []


def test_screen_passes_country_and_identifiers_and_returns_the_versions() -> None:
    matcher = ExactNameMatcher()
    index = WatchlistIndex(matcher)
    index.apply([upsert(entry("47956", name="AURUS"))])
    parties = [
        Party(role="consignee", name="AURUS", country="RU", identifiers={"tax_id": "7743237789"}),
        Party(role="shipper", name="OTHER"),
    ]
    found = index.screen(parties, threshold=0.5, limit=3)
    assert [len(m) for m in found.matches] == [1, 0]
    assert found.matches[0][0].entry_id == "47956"
    assert found.list_versions == {"us-ofac-sdn": "v1"}
    assert matcher.screened == [
        ("AURUS", "RU", {"tax_id": "7743237789"}),
        ("OTHER", None, None),
    ]


# decoding topic records ------------------------------------------------------------------


def test_decode_an_entry_and_a_tombstone() -> None:
    e = entry("47956", name="AURUS")
    change = decode_change(entry_record(e))
    assert (change.list_id, change.entry_id) == ("us-ofac-sdn", "47956")
    assert change.entry == e
    assert decode_change(record("us-ofac-sdn:47956", None)) == tombstone("us-ofac-sdn", "47956")


def test_an_entry_id_may_contain_a_colon() -> None:
    assert decode_change(record("eu-fsf:EU.123:45", None)) == tombstone("eu-fsf", "EU.123:45")


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (None, None, "tombstone without a key"),
        ("no-colon", None, "not list:entry_id"),
        ("k:1", b"{not json", "not JSON"),
        ("k:1", b'{"list": "x"}', "not a WatchlistEntry"),
    ],
)
def test_undecodable_records_are_refused(
    key: str | None, value: bytes | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        decode_change(record(key, value))


# the follower ----------------------------------------------------------------------------


class ScriptedReader:
    """Serves `initial` batches as the topic's content at start, then whatever is `push`ed."""

    def __init__(self, initial: list[list[Record]]) -> None:
        self._initial = list(initial)
        self._later: queue.Queue[list[Record]] = queue.Queue()
        self.closed = False

    def push(self, records: list[Record]) -> None:
        self._later.put(records)

    def poll(self, timeout_ms: int, max_records: int = 5000) -> list[Record]:
        if self._initial:
            return self._initial.pop(0)
        try:
            return self._later.get(timeout=timeout_ms / 1000)
        except queue.Empty:
            return []

    def caught_up(self) -> bool:
        return not self._initial

    def close(self) -> None:
        self.closed = True


def party(name: str) -> Party:
    return Party(role="consignee", name=name)


def wait_for(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.01)


def test_the_follower_is_ready_only_after_reading_to_the_end_then_keeps_following() -> None:
    gate = threading.Event()
    reader = ScriptedReader(
        [[entry_record(entry("1"), 0)], [entry_record(entry("2"), 1)], [record("x:1", b"{")]]
    )

    def open_reader() -> TopicReader:
        gate.wait(5)  # hold the thread so the test sees the not-ready state
        return reader

    index = WatchlistIndex(ExactNameMatcher())
    follower = WatchlistFollower(open_reader, index, poll_timeout_ms=20)
    follower.start()
    try:
        assert not follower.ready
        ok, detail = follower.readiness()
        assert not ok and "loading watchlist" in detail
        with pytest.raises(WatchlistNotReady):
            follower.wait_ready(0.05)
        gate.set()
        follower.wait_ready(5)
        assert len(index) == 2  # the invalid third record was skipped, not fatal
        ok, detail = follower.readiness()
        assert ok and "us-ofac-sdn=2" in detail

        reader.push([record("us-ofac-sdn:1", None, 3), entry_record(entry("3", name="NEW"), 4)])
        wait_for(lambda: follower.records_read == 5)
        assert sorted(s.entries for s in index.statuses()) == [2]
        assert index.screen([party("NEW")]).matches[0][0].entry_id == "3"
        assert index.screen([party("ACME")]).matches[0][0].entry_id == "2"
    finally:
        follower.stop()
    assert reader.closed
    follower.check()  # a stopped follower is not a failed one


def test_a_follower_that_cannot_open_the_topic_fails_loudly() -> None:
    def open_reader() -> TopicReader:
        raise RuntimeError("topic watchlist.entries.v1 does not exist")

    follower = WatchlistFollower(open_reader, WatchlistIndex(ExactNameMatcher()))
    follower.start()
    with pytest.raises(FollowerFailed, match="does not exist"):
        follower.wait_ready(5)
    ok, detail = follower.readiness()
    assert not ok and "does not exist" in detail
    follower.stop()


# the per-list metrics --------------------------------------------------------------------


def test_the_collector_reports_entries_version_and_age_per_list() -> None:
    index = WatchlistIndex(ExactNameMatcher())
    index.apply([upsert(entry("1", version="v7", day=1)), upsert(entry("2", version="v7"))])
    published = datetime(2024, 5, 1, tzinfo=UTC).timestamp()
    registry = CollectorRegistry()
    registry.register(WatchlistCollector(index.statuses, lambda: published + 90.0))
    labels = {"list": "us-ofac-sdn"}
    assert registry.get_sample_value("tradewatch_watchlist_entries", labels) == 2
    assert registry.get_sample_value("tradewatch_watchlist_age_seconds", labels) == 90.0
    assert (
        registry.get_sample_value(
            "tradewatch_watchlist_version_info", {"list": "us-ofac-sdn", "version": "v7"}
        )
        == 1
    )


def test_an_entry_round_trips_through_json_with_the_list_alias() -> None:
    data = orjson.loads(entry("1").model_dump_json())
    assert data["list"] == "us-ofac-sdn" and "list_id" not in data


# the per-party result cache --------------------------------------------------------------


def test_a_repeated_party_is_screened_once_until_a_list_changes() -> None:
    matcher = ExactNameMatcher()
    index = WatchlistIndex(matcher)
    index.apply([upsert(entry("47956", name="AURUS"))])
    aurus = Party(role="consignee", name="AURUS", country="RU")
    first = index.screen([aurus, aurus])
    assert first.cache_hits == 1 and len(matcher.screened) == 1
    assert index.screen([aurus]).matches[0][0].entry_id == "47956"
    assert len(matcher.screened) == 1

    index.apply([tombstone("us-ofac-sdn", "47956")])  # delisted: cached answers are stale
    after = index.screen([aurus])
    assert after.cache_hits == 0 and after.matches == [[]]
    assert len(matcher.screened) == 2


def test_the_cache_tells_apart_country_identifiers_and_threshold() -> None:
    matcher = ExactNameMatcher()
    index = WatchlistIndex(matcher)
    index.screen([Party(role="buyer", name="A")])
    index.screen([Party(role="seller", name="A")])  # the role does not change the answer
    index.screen([Party(role="buyer", name="A", country="RU")])
    index.screen([Party(role="buyer", name="A", identifiers={"tax_id": "1"})])
    index.screen([Party(role="buyer", name="A")], threshold=0.5)
    assert len(matcher.screened) == 4


def test_the_cache_keeps_only_the_most_recently_used_parties() -> None:
    matcher = ExactNameMatcher()
    index = WatchlistIndex(matcher, cache_parties=2)
    a, b, c = (Party(role="buyer", name=n) for n in "ABC")
    index.screen([a, b])
    index.screen([a])  # A is now the most recent; B the least
    index.screen([c])  # evicts B
    assert index.screen([a]).cache_hits == 1
    assert index.screen([b]).cache_hits == 0
    index.clear_cache()
    assert index.screen([a]).cache_hits == 0


def test_on_ready_runs_once_before_the_follower_reports_ready() -> None:
    calls: list[int] = []
    reader = ScriptedReader([[entry_record(entry("1"))]])
    index = WatchlistIndex(ExactNameMatcher())
    follower = WatchlistFollower(
        lambda: reader, index, poll_timeout_ms=20, on_ready=lambda: calls.append(len(index))
    )
    follower.start()
    try:
        follower.wait_ready(5)
        reader.push([entry_record(entry("2"), 1)])
        wait_for(lambda: follower.records_read == 2)
    finally:
        follower.stop()
    assert calls == [1]
