"""The screening API the enrichment service and the CLI use.

    screener = Screener(entries)
    screener.screen("OOO AURUS", country="RU", identifiers={"tax_id": "7743237789"})
    screener.upsert(entry); screener.remove("us-ofac-sdn", "47956")

Scores are in 0..1; `DEFAULT_THRESHOLD` is where an alert is raised (chosen on the nomenklatura
cases, see docs/screening.md). An identifier that agrees exactly is decisive: score 1.0 whatever
the name. One writer thread (list updates) and one reader thread (screening) may share a
screener: a lock serialises them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from shared.schemas.screened import Match
from shared.schemas.watchlist import WatchlistEntry, entry_key
from shared.screening.entries import EntryIndex, IndexedEntry
from shared.screening.identifiers import normalise_identifier, normalise_type
from shared.screening.index import IndexedName, NameIndex
from shared.screening.normalise import analyse_name, name_class_of
from shared.screening.query import Query
from shared.screening.rank import best_reading, rank_entries
from shared.screening.score import prior_weight

DEFAULT_THRESHOLD = 0.7
"""Alert at or above this score: best F1 on the nomenklatura cases (docs/screening.md)."""


def warm_up() -> None:
    """Load rigour's name tables now (seconds of CPU for the person-name tagger), not on the
    first name a screener analyses."""
    for name_class in ("person", "org", "object"):
        analyse_name("Warm Up Name", name_class)


class Screener:
    def __init__(self, entries: Iterable[WatchlistEntry] = ()) -> None:
        self._lock = threading.Lock()
        self._names = NameIndex()
        self._entries = EntryIndex(self._names)
        self._versions: dict[str, str] = {}
        with self._lock:
            for entry in entries:
                self._upsert(entry)

    def __len__(self) -> int:
        """The number of listed entries."""
        return len(self._entries)

    def upsert(self, entry: WatchlistEntry) -> None:
        """Add an entry, or replace the one with the same list and id."""
        with self._lock:
            self._upsert(entry)

    def remove(self, list_id: str, entry_id: str) -> bool:
        """Delist an entry; False when it was not there."""
        with self._lock:
            return self._entries.remove(entry_key(list_id, entry_id))

    def list_versions(self) -> dict[str, str]:
        """List id -> the version of the entry most recently added from that list."""
        with self._lock:
            return dict(self._versions)

    def screen(
        self,
        name: str,
        *,
        country: str | None = None,
        identifiers: dict[str, str] | None = None,
        kind: str | None = None,
        threshold: float | None = None,
        limit: int = 10,
    ) -> list[Match]:
        """Listed entries matching a party at or above `threshold`, best first."""
        query = Query.build(name, country, _query_identifiers(identifiers), name_class_of(kind))
        cutoff = DEFAULT_THRESHOLD if threshold is None else threshold
        with self._lock:
            found = rank_entries(query, self._names, self._entries, cutoff)
        return [scored.to_match() for scored in found[:limit]]

    def compare(self, name1: str, name2: str, schema: str | None = None) -> float:
        """Score two names against each other, `name2` read as the listed one.

        Uses prior token weights only (no list statistics), so a pair scores the same whatever
        lists are loaded.
        """
        name_class = name_class_of(schema) or "org"
        listed = IndexedName("", name2, analyse_name(name2, name_class), weak=False)
        query = Query.build(name1, None, (), name_class)
        _, scored, factor = best_reading(query, listed, prior_weight)
        return scored.score * factor

    def _upsert(self, entry: WatchlistEntry) -> None:
        self._entries.upsert(IndexedEntry.build(entry))
        self._versions[entry.list_id] = entry.list_version


def _query_identifiers(identifiers: dict[str, str] | None) -> tuple[tuple[str, str], ...]:
    found: list[tuple[str, str]] = []
    for kind, value in (identifiers or {}).items():
        normalised = normalise_identifier(value)
        if normalised:
            found.append((normalise_type(kind), normalised))
    return tuple(found)
