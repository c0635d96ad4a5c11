"""Enrichment metrics. The consumer lag is the shared loop's `tradewatch_consumer_lag_records`.

Per-list gauges are computed at scrape time from the index (`WatchlistCollector`), so a list
that disappears or changes version leaves no stale series behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from services.enrichment.index import ListStatus
from shared.metrics import LATENCY_BUCKETS_S

SCREENING_BUCKETS_S = (0.0001, 0.00025, 0.0005, *LATENCY_BUCKETS_S)

SCREENING_SECONDS = Histogram(
    "tradewatch_enrichment_screening_seconds",
    "Time to screen every party of one shipment and compute its risk flags",
    buckets=SCREENING_BUCKETS_S,
)
PARTIES_SCREENED = Counter(
    "tradewatch_enrichment_parties_screened_total", "Parties screened against the watchlists"
)
MATCHES = Counter("tradewatch_enrichment_matches_total", "Matches found, by list", ["list"])
PARTY_CACHE = Counter(
    "tradewatch_enrichment_party_cache_total",
    "Parties answered from the per-party result cache (hit) or by the matcher (miss)",
    ["outcome"],
)
PARTY_CACHE_HITS = PARTY_CACHE.labels("hit")
PARTY_CACHE_MISSES = PARTY_CACHE.labels("miss")
RISK_FLAGS = Counter(
    "tradewatch_enrichment_risk_flags_total", "Risk flags raised, by code", ["code"]
)
WATCHLIST_RECORDS = Counter(
    "tradewatch_enrichment_watchlist_records_total",
    "Records read from the watchlist topic (entries and tombstones)",
)
WATCHLIST_INVALID = Counter(
    "tradewatch_enrichment_watchlist_invalid_total",
    "Watchlist topic records skipped because they are not a valid entry or tombstone",
)


class WatchlistCollector(Collector):
    """Per list: entries, current version (as a label of an info gauge), age in seconds."""

    def __init__(
        self, statuses: Callable[[], Sequence[ListStatus]], now_s: Callable[[], float]
    ) -> None:
        self._statuses = statuses
        self._now_s = now_s

    def collect(self) -> Iterator[GaugeMetricFamily]:
        entries = GaugeMetricFamily(
            "tradewatch_watchlist_entries",
            "Entries in the in-memory index, by list",
            labels=["list"],
        )
        version = GaugeMetricFamily(
            "tradewatch_watchlist_version_info",
            "The list version screened against (always 1; the version is a label)",
            labels=["list", "version"],
        )
        age = GaugeMetricFamily(
            "tradewatch_watchlist_age_seconds",
            "Seconds since the current version of the list was published",
            labels=["list"],
        )
        now = self._now_s()
        for status in self._statuses():
            entries.add_metric([status.list_id], status.entries)
            version.add_metric([status.list_id, status.version], 1)
            age.add_metric([status.list_id], max(0.0, now - status.published_at.timestamp()))
        yield entries
        yield version
        yield age

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return iter(())
