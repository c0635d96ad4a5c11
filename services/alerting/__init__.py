"""Alerting: screened shipments in; alerts, `alerts.v1` events, webhooks and the REST API out.

The functions other components may call (each inside the caller's transaction):
`process_screened` raises or updates alerts from one ScreenedShipment; `mark_delisted` tells the
open alerts of a delisted entry; `transition_alert` moves an alert through the workflow.
"""

from services.alerting.actions import AlertNotFound, mark_delisted, transition_alert
from services.alerting.rules_config import AlertRules, load_rules
from services.alerting.screened import InvalidScreening, Outcome, process_batch, process_screened

__all__ = [
    "AlertNotFound",
    "AlertRules",
    "InvalidScreening",
    "Outcome",
    "load_rules",
    "mark_delisted",
    "process_batch",
    "process_screened",
    "transition_alert",
]
