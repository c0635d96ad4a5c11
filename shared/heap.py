"""The garbage collector's settings for a long-running service, applied once it has started.

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
"""

from __future__ import annotations

import gc

YOUNG_COLLECTION_ALLOCATIONS = 50_000


def settle_heap() -> int:
    """Collect, freeze what survives, raise the young generation's threshold; return how many
    objects are frozen. Call it when start-up is over, and again after building something big
    and long-lived."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_ALLOCATIONS, older, oldest)
    return gc.get_freeze_count()
