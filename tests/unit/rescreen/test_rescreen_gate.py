"""The gate in front of the delta matcher turns a counterparty away only when full screening would
find nothing: on names built to slip past it, and on the real list files. Also the facts about
rigour's name analysis that the gate relies on (services/rescreen/gate.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from services.rescreen import Counterparty, Delta, DeltaMatcher
from services.rescreen.gate import name_words, weight_bound
from shared.config import Settings
from shared.schemas import WatchlistEntry
from shared.screening.index import is_retrievable
from shared.screening.normalise import analyse_name
from shared.watchlists.sources import read_entries

LIST_ID = "tw-test"
NAMES_SAMPLED = 6000


@pytest.fixture(scope="module")
def ofac() -> Path:
    """The real OFAC files (shared/data; TRADEWATCH_SANCTIONS_DATA_DIR): never skipped."""
    path = Settings().sanctions_data_dir / "sanctions" / "ofac"
    assert path.is_dir(), f"reference data missing at {path}"
    return path


@pytest.fixture(scope="module")
def sdn_update(ofac: Path) -> Delta:
    """What the SDN list added or changed from 2024-02-20 to 2024-02-23 (561 entries, AURUS
    among them, people too)."""
    history = ofac / "sdn-history"
    before = {
        e.entry_id: _content(e) for e in read_entries(f"ofac-sdn:{history}/sdn_2024-02-20.csv")
    }
    after = read_entries(f"ofac-sdn:{history}/sdn_2024-02-23.csv")
    changed = tuple(e for e in after if before.get(e.entry_id) != _content(e))
    return Delta("us-ofac-sdn", "2024-02-23", 2, changed)


@pytest.fixture(scope="module")
def listed_names(ofac: Path) -> list[str]:
    """About NAMES_SAMPLED names and aliases, evenly spread over the 2024-05-03 SDN list: people,
    companies and vessels, in several scripts, many sharing words with the update."""
    entries = read_entries(f"ofac-sdn:{ofac}/sdn-2024-05-03,{ofac}/sdn-aux-2025-12/alt.csv")
    names = list(dict.fromkeys(n for e in entries for n in [e.name, *(a.name for a in e.aliases)]))
    step = max(1, len(names) // NAMES_SAMPLED)
    return names[::step]


def _content(entry: WatchlistEntry) -> dict[str, Any]:
    return entry.model_dump(exclude={"list_version", "published_at"})


def entry(entry_id: str, name: str, kind: str = "organization", **extra: Any) -> WatchlistEntry:
    return WatchlistEntry.model_validate(
        {
            "list": LIST_ID,
            "list_version": "v2",
            "published_at": "2024-02-23T00:00:00Z",
            "entry_id": entry_id,
            "kind": kind,
            "name": name,
            "programs": ["TEST"],
            **extra,
        }
    )


TRICKY_DELTA = (
    entry("1", "PRO HELI INTERNATIONAL SERVICES LIMITED"),
    entry(
        "2",
        "LIMITED LIABILITY COMPANY AURUS",
        identifiers=[{"type": "tax_id", "value": "7743237789"}],
    ),
    entry("3", "ALPHA IV HOLDINGS"),
    entry("4", "KAMAZ"),
    entry("5", "A A TRADING FZCO"),
    entry("6", "SEA STAR", "vessel"),
    entry("7", "PUTIN, Vladimir Vladimirovich", "person"),
    entry("8", "AUR US"),
    entry("9", "HONG KONG NOVA LIMITED"),
    entry("10", "ZX4 NOVATEK"),
)
TRICKY_NAMES = (
    "PROHELI INTERNATIONAL SERVICES LTD",  # one word on the document, two on the list
    "AURUS LLC",  # joins into the listed `AUR US`
    "A.U.R.U.S.",
    "OOO AURSU",  # a typo
    "ООО «АУРУС»",  # another script: not gated
    "UNRELATED NAME CO",  # with the tax ID below
    "ALPHA FOURTH HOLDINGS",  # `fourth` and `IV` both read as 4
    "ALPHA 4 HOLDINGS",
    "KAMAS TRADING",
    "AA TRADING FZCO",
    "A A TRADING FZCO",
    "SEASTAR SHIPPING",
    "VLADIMIR PUTIN",
    "PUTIN V V",
    "NOVA HK LTD",
    "KONG NOVA",
    "THE KAMAZ COMPANY",
    "M.S.P.-KALA",
    "MU'IN ALPHA",
    "ZX FOURTH NOVATEK",  # only `zx` joined to `fourth` read as 4 finds `zx4`
    "ZX IV NOVATEK",
)


@pytest.mark.parametrize("name", TRICKY_NAMES)
def test_the_gate_lets_through_whatever_screening_matches(name: str) -> None:
    matcher = DeltaMatcher(Delta(LIST_ID, "v2", 2, TRICKY_DELTA))
    ids = {"tax_id": "7743-237-789"} if name == "UNRELATED NAME CO" else {}
    party = Counterparty("cp", name, None, ids)
    found = matcher.screen(party)
    assert list(matcher.hits([party])) == ([("cp", found)] if found else [])
    if found:
        assert matcher.may_match(party), name


def test_most_tricky_names_match_so_the_check_above_has_teeth() -> None:
    matcher = DeltaMatcher(Delta(LIST_ID, "v2", 2, TRICKY_DELTA))
    matched = [n for n in TRICKY_NAMES if matcher.screen(Counterparty("cp", n, None, {}))]
    assert len(matched) >= 10, matched


@pytest.mark.parametrize(
    "name",
    [
        "KYUNGKI INDUSTRIAL CO., LTD.",  # nothing in common
        "GAMMA TRADING LLC",  # only a generic word
        "DELTA INTERNATIONAL TRADING GROUP",
        "BYT CO LTD",
    ],
)
def test_the_gate_turns_away_names_sharing_no_rare_word(name: str) -> None:
    delta = Delta(
        LIST_ID,
        "v2",
        2,
        (entry("1", "ALPHA BETA TRADING LLC"), entry("2", "OMEGA INTERNATIONAL GROUP JSC")),
    )
    matcher = DeltaMatcher(delta)
    party = Counterparty("cp", name, "KR", {})
    assert not matcher.may_match(party)
    assert list(matcher.hits([party])) == [] and matcher.screened == 0


def test_on_the_real_lists_the_gate_finds_every_hit_full_screening_finds(
    sdn_update: Delta, listed_names: list[str]
) -> None:
    matcher = DeltaMatcher(sdn_update)
    parties = [Counterparty(f"cp{i}", name, None, {}) for i, name in enumerate(listed_names)]
    expected = [(p.counterparty_id, found) for p in parties if (found := matcher.screen(p))]
    assert list(matcher.hits(parties)) == expected
    assert len(expected) >= 20  # the sample holds real hits: the comparison means something
    assert matcher.screened < len(parties) * 0.7  # and the gate turned many away


def test_rigour_reads_no_token_the_gate_words_lack(listed_names: list[str]) -> None:
    """An organisation's tokens are a subsequence of the gate's words (numbers apart)."""
    for name in filter(str.isascii, listed_names):
        words = name_words(name)
        remaining = iter(words)
        tokens = [t.text for t in analyse_name(name, "org").tokens if t.number is None]
        assert all(token in remaining for token in tokens), (name, tokens, words)


def test_a_word_weighs_no_more_in_a_name_than_alone(listed_names: list[str]) -> None:
    for name in filter(str.isascii, listed_names):
        for token in analyse_name(name, "org").tokens:
            if is_retrievable(token):
                assert token.weight <= weight_bound(token.text), (name, token)


def test_org_readings_of_latin_names_carry_no_given_name_symbols(
    listed_names: list[str],
) -> None:
    for name in filter(str.isascii, listed_names):
        for token in analyse_name(name, "org").tokens:
            assert not any(s[:2] in ("N:", "K:") for s in token.symbols), (name, token)
