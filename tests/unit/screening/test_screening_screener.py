"""The Screener API: screening a party, identifiers, countries, aliases, and list changes."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.schemas import Match, WatchlistEntry
from shared.screening import DEFAULT_THRESHOLD, Screener
from shared.screening.index import IndexedName, NameIndex
from shared.screening.normalise import analyse_name

EntryFactory = Callable[..., WatchlistEntry]


def keys(found: list[Match]) -> list[str]:
    return [f"{m.list_id}:{m.entry_id}" for m in found]


def test_a_listed_name_matches_with_its_list_entry(screener: Screener) -> None:
    (match,) = screener.screen("OOO AURUS")
    assert (match.list_id, match.entry_id) == ("us-ofac-sdn", "47956")
    assert match.entry_name == "LIMITED LIABILITY COMPANY AURUS"
    assert match.matched_name == "LIMITED LIABILITY COMPANY AURUS"
    assert match.programs == ["RUSSIA-EO14024"]
    assert match.score == 1.0
    assert "aurus=aurus" in match.explanation
    assert "legal form LLC in both" in match.explanation


def test_a_name_of_common_words_only_is_found_by_the_whole_name(
    make_entry: EntryFactory,
) -> None:
    # `trading` in 150 names is a common word and `a` an initial, while `AA TRADING` shares the
    # rarer `aa`: no token of the query finds the listed name but the whole name does.
    fillers = [make_entry(str(i), f"{word} TRADING LLC") for i, word in enumerate(_WORDS)]
    others = [make_entry("aa", "AA TRADING")]
    screener = Screener([*fillers, *others, make_entry("listed", "A A TRADING FZCO")])
    found = {f"{m.list_id}:{m.entry_id}": m.score for m in screener.screen("A A TRADING FZCO")}
    assert found.get("test-list:listed") == 1.0


_WORDS = [f"{a}{b}{c}" for a in "bcdfg" for b in "aeiou" for c in "klmnprt"][:150]


def test_an_exact_name_is_found_whatever_order_the_list_was_loaded_in(
    make_entry: EntryFactory,
) -> None:
    # Forty names share `star` and nothing else with the query: more than retrieval keeps.
    # The shortest (the listed name itself) must make the cut, loaded first or last.
    fillers = [make_entry(str(i), f"STAR {word} HOLDINGS") for i, word in enumerate(_WORDS[:40])]
    target = make_entry("listed", "JOINT STOCK COMPANY STAR")
    for entries in ([*fillers, target], [target, *fillers]):
        found = keys(Screener(entries).screen("JOINT STOCK COMPANY STAR"))
        assert found[:1] == ["test-list:listed"]


def test_a_tax_id_alone_is_decisive(screener: Screener) -> None:
    (match,) = screener.screen("", identifiers={"tax_id": "RU 774-323-7789"})
    assert match.entry_id == "47956"
    assert match.score == 1.0 and match.identifier_match
    assert "tax_id 7743237789 agrees exactly" in match.explanation


def test_an_identifier_under_another_company_number_type_agrees(screener: Screener) -> None:
    (match,) = screener.screen("Some Trading Co", identifiers={"inn": "7743237789"})
    assert match.entry_id == "47956" and match.identifier_match


def test_an_imo_number_finds_the_vessel_whatever_the_name(screener: Screener) -> None:
    (match,) = screener.screen("OCEAN PRIDE", identifiers={"imo": "IMO 9187629"})
    assert match.entry_id == "6" and match.identifier_match


def test_a_ship_named_like_a_listed_one_under_another_imo_number_is_another_ship(
    screener: Screener,
) -> None:
    (named,) = screener.screen("SEA STAR", kind="vessel")
    assert named.entry_id == "6" and named.score == 1.0
    assert screener.screen("SEA STAR", identifiers={"imo": "9999999"}, kind="vessel") == []
    (shown,) = screener.screen(
        "SEA STAR", identifiers={"imo": "IMO 9999999"}, kind="vessel", threshold=0.5
    )
    assert shown.score == 0.6
    assert "imo 9999999 is not the listed 9187629" in shown.explanation
    (same,) = screener.screen("SEA STAR", identifiers={"imo": "9187629"}, kind="vessel")
    assert same.score == 1.0 and same.identifier_match


def test_an_identifier_of_another_kind_does_not_agree(screener: Screener) -> None:
    assert screener.screen("", identifiers={"imo": "7743237789"}) == []


def test_ordinary_suppliers_do_not_alert(screener: Screener) -> None:
    for name in ("KYUNGKI INDUSTRIAL CO., LTD.", "BYT Co Ltd", "Enertech International Inc"):
        assert screener.screen(name) == [], name


def test_country_agreement_and_conflict_adjust_slightly(screener: Screener) -> None:
    plain = screener.screen("AURUS JSC")[0].score
    agrees = screener.screen("AURUS JSC", country="RU")[0]
    conflicts = screener.screen("AURUS JSC", country="KR")[0]
    assert conflicts.score < plain < agrees.score
    assert "country RU agrees" in agrees.explanation
    assert "country KR not the listed RU" in conflicts.explanation


def test_a_weak_alias_counts_for_less(screener: Screener) -> None:
    (match,) = screener.screen("KAZAN", threshold=0.5)
    assert match.matched_name == "KAZAN"
    assert match.score < 1.0 and "weak alias" in match.explanation


def test_kind_restricts_the_candidates(screener: Screener) -> None:
    assert keys(screener.screen("Vladimir Putin", kind="person")) == ["test-list:3"]
    assert screener.screen("Vladimir Putin", kind="organization") == []


def test_threshold_and_limit(screener: Screener) -> None:
    loose = screener.screen("AURUS KAZAN SHIPPING", threshold=0.3, limit=10)
    assert len(loose) >= 2
    assert [m.score for m in loose] == sorted((m.score for m in loose), reverse=True)
    assert len(screener.screen("AURUS KAZAN SHIPPING", threshold=0.3, limit=1)) == 1
    assert all(m.score >= DEFAULT_THRESHOLD for m in screener.screen("AURUS KAZAN SHIPPING"))


def test_upsert_replaces_remove_delists(screener: Screener, make_entry: EntryFactory) -> None:
    count = len(screener)
    screener.upsert(make_entry("47956", "LIMITED LIABILITY COMPANY NOVAYA", list_id="us-ofac-sdn"))
    assert len(screener) == count
    assert screener.screen("OOO AURUS") == []
    assert keys(screener.screen("OOO NOVAYA")) == ["us-ofac-sdn:47956"]
    assert screener.remove("us-ofac-sdn", "47956")
    assert not screener.remove("us-ofac-sdn", "47956")
    assert screener.screen("OOO NOVAYA") == []
    assert len(screener) == count - 1


def test_list_versions_follow_the_latest_upsert(make_entry: EntryFactory) -> None:
    screener = Screener([make_entry("1", "ALPHA", list_version="v1")])
    screener.upsert(make_entry("2", "BETA", list_version="v2"))
    assert screener.list_versions() == {"test-list": "v2"}


def test_compare_reads_the_second_name_as_listed() -> None:
    assert Screener().compare("OOO AURUS", "LIMITED LIABILITY COMPANY AURUS", "Company") == 1.0


def test_a_writer_and_a_reader_can_share_a_screener(
    screener: Screener, make_entry: EntryFactory
) -> None:
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for i in range(200):
                screener.upsert(make_entry(f"w{i % 20}", f"WRITER COMPANY {i} LLC"))
                screener.remove("test-list", f"w{(i + 7) % 20}")
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    writer = threading.Thread(target=write)
    writer.start()
    while writer.is_alive():
        assert keys(screener.screen("OOO AURUS")) == ["us-ofac-sdn:47956"]
    writer.join()
    assert errors == []


names = st.sampled_from(
    ["ALPHA STEEL", "BRAVO MARINE", "CHARLIE TRADING", "DELTA AVIA", "ECHO BANK", "FOXTROT OIL"]
)
operations = st.lists(
    st.tuples(st.sampled_from(["upsert", "remove"]), st.integers(0, 5), names), max_size=30
)


@given(operations)
@settings(max_examples=60, deadline=None)
def test_the_index_follows_any_sequence_of_changes(
    changes: list[tuple[str, int, str]],
) -> None:
    screener = Screener()
    model: dict[str, str] = {}
    for operation, number, name in changes:
        entry_id = str(number)
        if operation == "upsert":
            screener.upsert(_entry(entry_id, name))
            model[entry_id] = name
        else:
            assert screener.remove("prop", entry_id) == (entry_id in model)
            model.pop(entry_id, None)
    assert len(screener) == len(model)
    for name in set(model.values()):
        expected = sorted(f"prop:{i}" for i, n in model.items() if n == name)
        assert sorted(keys(screener.screen(name))) == expected


def _entry(entry_id: str, name: str) -> WatchlistEntry:
    return WatchlistEntry(
        list_id="prop",
        entry_id=entry_id,
        kind="organization",
        name=name,
        list_version="v",
        published_at=datetime(2024, 1, 1, tzinfo=UTC),
    )


def test_removing_every_name_leaves_no_key_behind() -> None:
    index = NameIndex()
    ids = [
        index.add(IndexedName(f"k:{i}", name, analyse_name(name, "org"), weak=False))
        for i, name in enumerate(["ALPHA STEEL", "ALPHA STEAL", "BRAVO MARINE LLC", "ALPHA"])
    ]
    assert len(index) == 4 and index.key_count() > 0
    for name_id in ids:
        index.remove(name_id)
    assert len(index) == 0 and index.key_count() == 0
