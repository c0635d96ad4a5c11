"""Alerting's Prometheus metrics (labels stay low-cardinality: list, severity, reason, outcome)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

ALERTS_RAISED = Counter(
    "tradewatch_alerts_total",
    "Alerts raised, by list, severity and reason",
    ["list", "severity", "reason"],
)
INGEST_TO_ALERT_SECONDS = Histogram(
    "tradewatch_ingest_to_alert_seconds",
    "From ingest accepting a shipment to its alert being committed (rescreens excluded)",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900),
)
OPEN_ALERTS = Gauge(
    "tradewatch_open_alerts", "Alerts not yet closed (open, in_review or escalated)"
)
WEBHOOK_DELIVERIES = Counter(
    "tradewatch_webhook_deliveries_total",
    "Webhook delivery attempts, by outcome (delivered, retry, failed)",
    ["outcome"],
)
ALERT_EVENTS_PUBLISHED = Counter(
    "tradewatch_alert_events_published_total", "alerts.v1 events published from the outbox"
)
SUPPRESSED_MATCHES = Counter(
    "tradewatch_suppressed_matches_total", "Matches a suppression kept from alerting"
)
