"""The delta matcher on several processes: each worker builds its own matcher from the delta and
screens chunks of counterparties; the caller streams them in and gets the hits back.

Worker processes are spawned, not forked: the caller may run a Kafka producer's threads, and a
fork copies their locks in whatever state they are. Each worker pays the matcher's one-time
start-up itself, all at once in parallel.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice

from services.rescreen.delta import Delta
from services.rescreen.rescreen import Counterparty, DeltaMatcher
from shared.schemas import Match

CHUNK_COUNTERPARTIES = 2000
IN_FLIGHT_PER_WORKER = 3
"""Chunks queued per worker: enough to keep each busy, few enough to bound memory."""

Hits = list[tuple[str, list[Match]]]
Screened = tuple[Hits, int]
"""A chunk's hits, and how many of its counterparties the gate let through."""

_matcher: DeltaMatcher | None = None


def _start_worker(delta: Delta, threshold: float | None) -> None:
    global _matcher
    _matcher = DeltaMatcher(delta, threshold)


def _screen_chunk(chunk: list[Counterparty]) -> Screened:
    assert _matcher is not None, "the pool's initializer builds the matcher"
    before = _matcher.screened
    hits = list(_matcher.hits(chunk))
    return hits, _matcher.screened - before


class ParallelMatcher:
    def __init__(
        self,
        delta: Delta,
        workers: int,
        *,
        threshold: float | None = None,
        chunk: int = CHUNK_COUNTERPARTIES,
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self._delta = delta
        self._workers = workers
        self._threshold = threshold
        self._chunk = chunk
        self.screened = 0
        """Counterparties the workers' gates let through to a full screening."""

    def hits(self, counterparties: Iterable[Counterparty]) -> Iterator[tuple[str, list[Match]]]:
        """(counterparty id, matches) for each counterparty that matches any delta entry; the
        order follows the input's chunks."""
        stream = iter(counterparties)
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            self._workers,
            mp_context=context,
            initializer=_start_worker,
            initargs=(self._delta, self._threshold),
        ) as pool:
            pending: deque[Future[Screened]] = deque()
            limit = self._workers * IN_FLIGHT_PER_WORKER
            while True:
                while len(pending) < limit:
                    chunk = list(islice(stream, self._chunk))
                    if not chunk:
                        break
                    pending.append(pool.submit(_screen_chunk, chunk))
                if not pending:
                    return
                hits, screened = pending.popleft().result()
                self.screened += screened
                yield from hits
