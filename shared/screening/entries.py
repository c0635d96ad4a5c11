"""Listed entries by key, their names in the `NameIndex`, their identifiers by normalised value."""

from __future__ import annotations

from dataclasses import dataclass

from shared.schemas.watchlist import WatchlistEntry
from shared.screening.identifiers import normalise_identifier, normalise_type
from shared.screening.index import IndexedName, NameIndex
from shared.screening.normalise import analyse_listed_name, name_class_of


@dataclass(frozen=True, slots=True)
class IndexedEntry:
    entry: WatchlistEntry
    names: tuple[IndexedName, ...]
    identifiers: tuple[tuple[str, str], ...]
    """(normalised type, normalised value)"""

    @property
    def key(self) -> str:
        return self.entry.key

    @classmethod
    def build(cls, entry: WatchlistEntry) -> IndexedEntry:
        name_class = name_class_of(entry.kind) or "org"
        names: list[IndexedName] = []
        seen: set[str] = set()
        listed = [(entry.name, False)] + [(alias.name, alias.weak) for alias in entry.aliases]
        for text, weak in listed:
            if text in seen:
                continue
            seen.add(text)
            form = analyse_listed_name(text, name_class)
            if not form.is_empty:
                names.append(IndexedName(entry.key, text, form, weak))
        identifiers = {
            (normalise_type(identifier.type), normalise_identifier(identifier.value))
            for identifier in entry.identifiers
        }
        return cls(entry, tuple(names), tuple(sorted(i for i in identifiers if i[1])))


class EntryIndex:
    def __init__(self, names: NameIndex) -> None:
        self._names = names
        self._entries: dict[str, IndexedEntry] = {}
        self._name_ids: dict[str, list[int]] = {}
        self._by_identifier: dict[str, set[str]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> IndexedEntry | None:
        return self._entries.get(key)

    def upsert(self, indexed: IndexedEntry) -> None:
        self.remove(indexed.key)
        self._entries[indexed.key] = indexed
        self._name_ids[indexed.key] = [self._names.add(name) for name in indexed.names]
        for _, value in indexed.identifiers:
            self._by_identifier.setdefault(value, set()).add(indexed.key)

    def remove(self, key: str) -> bool:
        indexed = self._entries.pop(key, None)
        if indexed is None:
            return False
        for name_id in self._name_ids.pop(key):
            self._names.remove(name_id)
        for _, value in indexed.identifiers:
            keys = self._by_identifier.get(value)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._by_identifier[value]
        return True

    def with_identifier(self, value: str) -> set[str]:
        return self._by_identifier.get(value, set())
