"""The in-memory watchlist index one worker screens against.

Wraps the matcher (`shared.screening`) with what the service needs beside matching: a lock,
because the follower thread changes the index while the consumer thread screens; per-list
bookkeeping (entries, current version, when it was published) for the output and the metrics;
and a cache of results per distinct party (the vessel is one more name, screened as a vessel),
cleared whenever a list changes.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from services.enrichment.party_cache import PartyCache, party_key
from shared.schemas import Match, Party, Vessel, WatchlistEntry
from shared.schemas.shipment import vessel_identifiers


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
    """Matches per party and of the vessel (best first), and the list versions they were
    screened against."""

    matches: list[list[Match]]
    list_versions: dict[str, str]
    cache_hits: int = 0
    vessel: list[Match] | None = None
    """The vessel's matches; None when no vessel was screened."""

    @property
    def screened(self) -> int:
        """Names screened: the parties and the vessel if there was one."""
        return len(self.matches) + (self.vessel is not None)


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
        self,
        parties: Sequence[Party],
        threshold: float | None = None,
        limit: int = 10,
        vessel: Vessel | None = None,
    ) -> PartyMatches:
        """Screen every party, and the vessel when it has a name or an IMO number, against one
        state of the index."""
        with self._lock:
            found = [
                self._screen_one(p.name, p.country, p.identifiers, None, threshold, limit)
                for p in parties
            ]
            vessel_found = None
            if vessel is not None and vessel.named:
                identifiers = vessel_identifiers(vessel.imo)
                vessel_found = self._screen_one(
                    vessel.name or "", None, identifiers, "vessel", threshold, limit
                )
                found.append(vessel_found)
            hits = sum(hit for _, hit in found)
            matches = [m for m, _ in found[: len(parties)]]
            # `_versions` is replaced on change, never mutated: safe to hand out.
            return PartyMatches(
                matches, self._versions, hits, vessel_found[0] if vessel_found else None
            )

    def _screen_one(
        self,
        name: str,
        country: str | None,
        identifiers: dict[str, str],
        kind: str | None,
        threshold: float | None,
        limit: int,
    ) -> tuple[list[Match], bool]:
        """One name's matches, and whether the cache had them (else the matcher, then cached).
        Under the lock."""
        key = party_key(name, country, identifiers, threshold, limit, kind)
        cached = self._cache.get(key)
        if cached is not None:
            return list(cached), True
        found = self._matcher.screen(
            name,
            country=country,
            identifiers=identifiers or None,
            kind=kind,
            threshold=threshold,
            limit=limit,
        )
        self._cache.put(key, found)
        return found, False

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    def statuses(self) -> list[ListStatus]:
        return list(self._statuses)

    def list_versions(self) -> dict[str, str]:
        return dict(self._versions)

    def __len__(self) -> int:
        return self._entries
