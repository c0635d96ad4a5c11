"""The garbage collector's settings for a long-running service, applied once it has started,
and its pauses as a metric.

CPython's cyclic collector, with its defaults, cost the consumer services a third to a half of
their CPU and paused them for 100 to 550 ms at a time (docs/benchmarks.md): a consumer holds a
batch of records and models while it works on them, so they outlive the young generations'
collections and count toward a full one, which then scans every object the process has, the
imported modules' included, several times a second. Two settings fix that:

- freeze what exists once the service is built (modules, the watchlist index, the app): the
  collector never scans it again (it is still freed when its last reference goes, but a
  reference cycle among frozen objects never is: freeze what lives as long as the process);
- collect the youngest generation every 50,000 allocations instead of 700, so that a batch's
  objects are mostly freed (by reference counting) before a collection sees them.

A pause of the collector stops every thread of the process, so each one is measured:
`tradewatch_gc_pause_seconds{generation}` (generation 2 is a full collection).
"""

from __future__ import annotations

import bisect
import gc
import itertools
import logging
import time
from collections.abc import Iterator

from prometheus_client import REGISTRY
from prometheus_client.core import HistogramMetricFamily
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

YOUNG_COLLECTION_ALLOCATIONS = 50_000
PAUSE_BUCKETS_S = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


def settle_heap() -> int:
    """Collect, freeze what survives, raise the young generation's threshold; return how many
    objects are frozen. Call it when start-up is over, and again after building something big
    and long-lived. Also starts measuring the collector's pauses (once per process)."""
    watch_pauses()
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_ALLOCATIONS, older, oldest)
    frozen = gc.get_freeze_count()
    log.info("froze %d objects out of the garbage collector's scans", frozen)
    return frozen


class CollectorPauses(Collector):
    """The collector's pauses by generation, exposed as a Prometheus histogram.

    Recorded from `gc.callbacks`, which must not take a lock: a collection can start inside any
    allocation, also one made while this very thread holds a metric's lock in prometheus_client.
    So the callback only adds to plain lists, and the histogram is built when scraped."""

    def __init__(self, buckets: tuple[float, ...] = PAUSE_BUCKETS_S) -> None:
        self._buckets = buckets
        self._counts = [[0] * (len(buckets) + 1) for _ in range(3)]
        self._sums = [0.0] * 3
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        seconds = time.perf_counter() - self._started
        generation = info["generation"]
        self._sums[generation] += seconds
        # `le` buckets: the first bound at or above the pause.
        self._counts[generation][bisect.bisect_left(self._buckets, seconds)] += 1

    def collect(self) -> Iterator[HistogramMetricFamily]:
        family = HistogramMetricFamily(
            "tradewatch_gc_pause_seconds",
            "Pauses of the garbage collector (every thread stops), by generation; 2 is a full"
            " collection",
            labels=["generation"],
        )
        for generation, counts in enumerate(self._counts):
            cumulative = list(itertools.accumulate(counts))
            bounds = [str(bound) for bound in self._buckets] + ["+Inf"]
            buckets = list(zip(bounds, cumulative, strict=True))
            family.add_metric([str(generation)], buckets, self._sums[generation])
        yield family


_PAUSES: list[CollectorPauses] = []


def watch_pauses() -> CollectorPauses:
    """Measure the collector's pauses from now on, in the default registry; once per process."""
    if not _PAUSES:
        pauses = CollectorPauses()
        REGISTRY.register(pauses)
        gc.callbacks.append(pauses)
        _PAUSES.append(pauses)
    return _PAUSES[0]
