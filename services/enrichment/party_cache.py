"""A bounded LRU of screening results per distinct party, valid for one state of the lists.

Trade counterparties repeat: the same shipper and consignee appear on shipment after shipment.
A party's matches depend only on what is screened (name, country, identifiers, threshold, limit,
and the kind of names it is read as: a vessel recurs across shipments like a party does)
and on the lists, so the index keeps the result and forgets everything whenever a list changes.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence

from shared.schemas import Match

PartyKey = tuple[str, str | None, tuple[tuple[str, str], ...], float | None, int, str | None]


def party_key(
    name: str,
    country: str | None,
    identifiers: Mapping[str, str] | None,
    threshold: float | None,
    limit: int,
    kind: str | None = None,
) -> PartyKey:
    """`kind` is None for a party (read as organisation and person), "vessel" for the vessel."""
    return (name, country, tuple(sorted((identifiers or {}).items())), threshold, limit, kind)


class PartyCache:
    """Not thread-safe: the index calls it under its own lock.

    Results are kept as tuples: most parties match nothing, and the empty tuple (like a key
    made of strings) is invisible to the garbage collector, where an empty list per entry was
    a hundred thousand objects for every full collection to scan."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._results: OrderedDict[PartyKey, tuple[Match, ...]] = OrderedDict()

    def get(self, key: PartyKey) -> tuple[Match, ...] | None:
        found = self._results.get(key)
        if found is not None:
            self._results.move_to_end(key)
        return found

    def put(self, key: PartyKey, matches: Sequence[Match]) -> None:
        if self.capacity <= 0:
            return
        self._results[key] = tuple(matches)
        self._results.move_to_end(key)
        while len(self._results) > self.capacity:
            self._results.popitem(last=False)

    def clear(self) -> None:
        self._results.clear()

    def __len__(self) -> int:
        return len(self._results)
