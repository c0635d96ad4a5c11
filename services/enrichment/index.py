"""The in-memory watchlist index one worker screens against.

Wraps the matcher (`shared.screening`) with what the service needs beside matching: a lock,
because the follower thread changes the index while the consumer thread screens; per-list
bookkeeping (entries, current version, when it was published) for the output and the metrics;
and a cache of results per distinct party, cleared whenever a list changes.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from services.enrichment.party_cache import PartyCache, party_key
from shared.schemas import Match, Party, WatchlistEntry


class Matcher(Protocol):
    """What the index needs of `shared.screening.screener.Screener`."""

    def upsert(self, entry: WatchlistEntry) -> None: ...

    def remove(self, list_id: str, entry_id: str) -> object: ...

    def screen(
        self,
        name: str,
        *,
        country: str | None = None,
        identifiers: dict[str, str] | None = None,
        kind: str | None = None,
        threshold: float | None = None,
        limit: int = 10,
    ) -> list[Match]: ...


@dataclass(frozen=True)
class ListStatus:
    list_id: str
    entries: int
    version: str
    published_at: datetime


@dataclass(frozen=True)
class Change:
    """One record of the watchlist topic: an entry, or a removal (tombstone) of `key`."""

    list_id: str
    entry_id: str
    entry: WatchlistEntry | None


class _ListBook:
    """Per list: which version each entry carries, and when each version was published."""

    def __init__(self) -> None:
        self.version_of: dict[str, str] = {}
        self.counts: Counter[str] = Counter()
        self.published: dict[str, datetime] = {}

    def put(self, entry: WatchlistEntry) -> None:
        self.drop(entry.entry_id)
        self.version_of[entry.entry_id] = entry.list_version
        self.counts[entry.list_version] += 1
        seen = self.published.get(entry.list_version)
        if seen is None or entry.published_at > seen:
            self.published[entry.list_version] = entry.published_at

    def drop(self, entry_id: str) -> bool:
        version = self.version_of.pop(entry_id, None)
        if version is None:
            return False
        self.counts[version] -= 1
        if self.counts[version] <= 0:
            del self.counts[version]
            self.published.pop(version, None)
        return True

    def status(self, list_id: str) -> ListStatus | None:
        if not self.counts:
            return None
        # The current version is the newest one any live entry carries: a load may republish
        # only what changed, so older entries keep their older version.
        version = max(self.counts, key=lambda v: (self.published[v], v))
        return ListStatus(list_id, len(self.version_of), version, self.published[version])


@dataclass(frozen=True)
class PartyMatches:
    """Matches per party (best first) and the list versions they were screened against."""

    matches: list[list[Match]]
    list_versions: dict[str, str]
    cache_hits: int = 0


DEFAULT_CACHE_PARTIES = 100_000


class WatchlistIndex:
    def __init__(self, matcher: Matcher, cache_parties: int = DEFAULT_CACHE_PARTIES) -> None:
        self._matcher = matcher
        self._cache = PartyCache(cache_parties)
        self._lock = threading.Lock()
        self._books: dict[str, _ListBook] = {}
        self._statuses: list[ListStatus] = []
        self._versions: dict[str, str] = {}
        self._entries = 0

    def apply(self, changes: Iterable[Change]) -> int:
        """Apply topic records in order; return how many changed the index."""
        applied = 0
        with self._lock:
            for change in changes:
                book = self._books.setdefault(change.list_id, _ListBook())
                if change.entry is not None:
                    self._matcher.upsert(change.entry)
                    book.put(change.entry)
                    applied += 1
                elif book.drop(change.entry_id):
                    self._matcher.remove(change.list_id, change.entry_id)
                    applied += 1
            if applied:
                self._cache.clear()  # results were for the lists as they were
                self._refresh()
        return applied

    def _refresh(self) -> None:
        found = (book.status(list_id) for list_id, book in self._books.items())
        self._statuses = sorted((s for s in found if s is not None), key=lambda s: s.list_id)
        self._versions = {status.list_id: status.version for status in self._statuses}
        self._entries = sum(status.entries for status in self._statuses)

    def screen(
        self, parties: Sequence[Party], threshold: float | None = None, limit: int = 10
    ) -> PartyMatches:
        """Screen every party against one state of the index."""
        matches: list[list[Match]] = []
        hits = 0
        with self._lock:
            for party in parties:
                identifiers = party.identifiers or None
                key = party_key(party.name, party.country, identifiers, threshold, limit)
                cached = self._cache.get(key)
                if cached is None:
                    found = self._matcher.screen(
                        party.name,
                        country=party.country,
                        identifiers=identifiers,
                        threshold=threshold,
                        limit=limit,
                    )
                    self._cache.put(key, found)
                else:
                    found = list(cached)
                    hits += 1
                matches.append(found)
            # `_versions` is replaced on change, never mutated: safe to hand out.
            return PartyMatches(matches, self._versions, hits)

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    def statuses(self) -> list[ListStatus]:
        return list(self._statuses)

    def list_versions(self) -> dict[str, str]:
        return dict(self._versions)

    def __len__(self) -> int:
        return self._entries
