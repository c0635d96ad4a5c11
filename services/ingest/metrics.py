"""Ingest metrics. `reason` is the first error's type (a bounded set), never a record's content."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from shared.metrics import LATENCY_BUCKETS_S

INGEST_RECORDS = Counter(
    "tradewatch_ingest_records_total",
    "Records ingested, by outcome (accepted, rejected) and reason (the first error's type)",
    ["outcome", "reason"],
)
INGEST_REQUEST_SECONDS = Histogram(
    "tradewatch_ingest_request_seconds",
    "Time to answer one POST /v1/shipments, by HTTP status",
    ["status"],
    buckets=LATENCY_BUCKETS_S,
)
INGEST_PRODUCE_SECONDS = Histogram(
    "tradewatch_ingest_produce_seconds",
    "Time from sending a batch of records until the broker acknowledged every one",
    buckets=LATENCY_BUCKETS_S,
)
