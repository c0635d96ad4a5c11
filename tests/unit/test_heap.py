"""The collector's pauses are measured, per generation, without a lock in the callback."""

from __future__ import annotations

import gc
import time

from prometheus_client import REGISTRY, CollectorRegistry

from shared.heap import CollectorPauses, watch_pauses

PAUSE = "tradewatch_gc_pause_seconds"


def test_a_pause_lands_in_its_generation_and_bucket() -> None:
    pauses = CollectorPauses()
    registry = CollectorRegistry()
    registry.register(pauses)

    pauses("start", {"generation": 2})
    time.sleep(0.03)
    pauses("stop", {"generation": 2})
    pauses("start", {"generation": 0})
    pauses("stop", {"generation": 0})

    def sample(suffix: str, **labels: str) -> float | None:
        return registry.get_sample_value(PAUSE + suffix, labels)

    assert sample("_count", generation="2") == 1
    assert (sample("_sum", generation="2") or 0) >= 0.03
    assert sample("_bucket", generation="2", le="0.025") == 0
    assert sample("_bucket", generation="2", le="0.05") == 1
    assert sample("_bucket", generation="2", le="+Inf") == 1
    assert sample("_count", generation="0") == 1
    assert sample("_bucket", generation="0", le="0.001") == 1
    assert sample("_count", generation="1") == 0


def test_watching_counts_real_collections_once_however_often_it_is_started() -> None:
    first = watch_pauses()
    assert watch_pauses() is first
    assert gc.callbacks.count(first) == 1
    before = REGISTRY.get_sample_value(PAUSE + "_count", {"generation": "2"}) or 0

    gc.collect()

    assert REGISTRY.get_sample_value(PAUSE + "_count", {"generation": "2"}) == before + 1
