"""The counterparties this worker stored lately, so that a recurring one is not written each time.

Every party of every shipment upserts its counterparty (`last_seen_at`, `last_declared_at`). Most
parties recur, and writing the same row again for each was the largest part of PostgreSQL's work
per shipment (docs/benchmarks.md). A worker remembers what its committed transactions wrote; a
counterparty whose stored dates are within `COUNTERPARTY_DATE_SLACK` of a new shipment's is not
written again. The two dates may therefore lag by up to that slack, which rescreen allows for
(its look-back reads counterparties from that much earlier on, and then filters the shipments by
their exact dates).

What is remembered is a lower bound of what is stored: the upsert only moves the dates forward,
and only committed writes are remembered. A transaction that fails forgets everything; when it
failed on a constraint after relying on this memory (a database restored or emptied under a
running worker), the handler writes the batch again at once with nothing remembered.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from shared.db.models.shipments import COUNTERPARTY_DATE_SLACK

CAPACITY = 65_536
"""Counterparties remembered, about: two generations of half as many."""

Stored = tuple[float, float]
"""(last_declared_at, last_seen_at) as timestamps: a tuple of floats the collector ignores."""


class RecentCounterparties:
    def __init__(self, capacity: int = CAPACITY) -> None:
        self._half = max(1, capacity // 2)
        self._current: dict[str, Stored] = {}
        self._previous: dict[str, Stored] = {}
        self._staged: list[tuple[str, Stored]] = []
        self._slack = COUNTERPARTY_DATE_SLACK.total_seconds()

    def __bool__(self) -> bool:
        return bool(self._current or self._previous)

    def __len__(self) -> int:
        return len(self._current.keys() | self._previous.keys())

    def covers(self, counterparty_id: str, declared_at: datetime, now: datetime) -> bool:
        """Whether the stored row is recent enough for a shipment dated `declared_at`."""
        stored = self._current.get(counterparty_id) or self._previous.get(counterparty_id)
        if stored is None:
            return False
        declared, seen = stored
        return (
            declared >= declared_at.timestamp() - self._slack
            and seen >= now.timestamp() - self._slack
        )

    def stage(self, written: Iterable[tuple[str, datetime]], now: datetime) -> None:
        """Counterparties (id, last_declared_at) the current transaction writes."""
        seen = now.timestamp()
        self._staged.extend((cp, (declared.timestamp(), seen)) for cp, declared in written)

    def committed(self) -> None:
        """The transaction committed: remember what it wrote."""
        for counterparty_id, stored in self._staged:
            known = self._current.get(counterparty_id) or self._previous.get(counterparty_id)
            if known is not None:
                stored = (max(stored[0], known[0]), max(stored[1], known[1]))
            if len(self._current) >= self._half and counterparty_id not in self._current:
                self._previous, self._current = self._current, {}
            self._current[counterparty_id] = stored
        self._staged.clear()

    def forget(self) -> None:
        """The transaction failed, or the database may have changed under us: remember nothing."""
        self._current.clear()
        self._previous.clear()
        self._staged.clear()
