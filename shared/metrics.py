"""Prometheus metrics shared by every service. Base units, `_total`/`_seconds`, low cardinality."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

LATENCY_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

LOOP_RECORDS = Counter(
    "tradewatch_consumer_records_total",
    "Records consumed, by outcome (ok, dlq)",
    ["service", "topic", "outcome"],
)
LOOP_BATCH_SECONDS = Histogram(
    "tradewatch_consumer_batch_seconds",
    "Time to handle and produce one polled batch",
    ["service"],
    buckets=LATENCY_BUCKETS_S,
)
LOOP_RETRIES = Counter(
    "tradewatch_consumer_retries_total",
    "Transient failures retried, by step (handle, produce)",
    ["service", "step"],
)
CONSUMER_LAG = Gauge(
    "tradewatch_consumer_lag_records",
    "Records behind the end of the assigned partitions",
    ["service", "topic"],
)
SERVICE_READY = Gauge("tradewatch_ready", "1 when the service is ready to serve", ["service"])
