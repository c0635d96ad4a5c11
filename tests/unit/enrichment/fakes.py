"""A stand-in for the Screener in enrichment's unit tests: exact names only, and a record of
what it was asked."""

from __future__ import annotations

from shared.schemas import Match, WatchlistEntry


class ExactNameMatcher:
    """Matches a party whose name is exactly an entry's name; remembers what it was asked and
    what was removed (`screened`, and the kind each name was read as in `kinds`). `fail_on`
    names a party whose screening raises (a matcher bug)."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], WatchlistEntry] = {}
        self.removed: list[tuple[str, str]] = []
        self.screened: list[tuple[str, str | None, dict[str, str] | None]] = []
        self.kinds: list[str | None] = []
        self.fail_on: str | None = None

    def upsert(self, entry: WatchlistEntry) -> None:
        self.entries[(entry.list_id, entry.entry_id)] = entry

    def remove(self, list_id: str, entry_id: str) -> None:
        self.removed.append((list_id, entry_id))
        self.entries.pop((list_id, entry_id), None)

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
        self.screened.append((name, country, identifiers))
        self.kinds.append(kind)
        if name == self.fail_on:
            raise ZeroDivisionError("matcher bug")
        return [
            Match(
                list_id=e.list_id,
                entry_id=e.entry_id,
                entry_name=e.name,
                matched_name=e.name,
                score=1.0,
                programs=e.programs,
                explanation="same name",
                identifier_match=bool(identifiers),
            )
            for e in self.entries.values()
            if e.name == name
        ][:limit]
