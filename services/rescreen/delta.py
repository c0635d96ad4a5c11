"""What a list version changed, and the look-back window a rescreen covers. Pure: no SQL, no clock.

A rescreen looks at shipments by their own date (declared, else ingested or screened: the
`shipment_parties.declared_at` the alerting service stores), not by the wall clock: the window
starts `lookback_days` before `as_of`, and `as_of` defaults to the date of the newest stored
shipment when that is earlier than now. On a live system the two agree (shipments arrive every
minute); on a replay of past trade or past lists (the AURUS designation of 2024-02-23, say) the
window follows the data rather than the day the replay runs. See docs/rescreen.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.schemas import WatchlistEntry
from shared.screening.normalise import name_class_of

EntryRef = tuple[str, str]
"""(list id, entry id)"""


@dataclass(frozen=True)
class Delta:
    """One list version's changes: the entries it added or changed, and the ids it removed."""

    list_id: str
    version: str
    version_id: int
    entries: tuple[WatchlistEntry, ...]
    removed: tuple[str, ...] = ()

    @property
    def object_refs(self) -> frozenset[EntryRef]:
        """The entries added or changed that are vessels (or aircraft): what a shipment's vessel
        is screened against, as enrichment screens it."""
        return frozenset(
            (self.list_id, e.entry_id) for e in self.entries if name_class_of(e.kind) == "object"
        )

    @property
    def refs(self) -> frozenset[EntryRef]:
        """Every entry the version touched: a stored match on one of these is out of date."""
        ids = [e.entry_id for e in self.entries] + list(self.removed)
        return frozenset((self.list_id, entry_id) for entry_id in ids)

    @property
    def has_new_entries(self) -> bool:
        return bool(self.entries)


@dataclass(frozen=True)
class Window:
    as_of: datetime
    since: datetime
    lookback_days: int


def window(
    *, lookback_days: int, now: datetime, newest_shipment: datetime | None, as_of: datetime | None
) -> Window:
    """The look-back window: from `lookback_days` before `as_of` on, with no upper bound (a
    shipment dated after `as_of` is recent too). `as_of` defaults to the earlier of `now` and the
    newest shipment's date; a shipment dated in the future cannot push the window past now."""
    if lookback_days < 0:
        raise ValueError("lookback_days must not be negative")
    if as_of is None:
        as_of = now if newest_shipment is None else min(now, newest_shipment)
    return Window(
        as_of=as_of, since=as_of - timedelta(days=lookback_days), lookback_days=lookback_days
    )
