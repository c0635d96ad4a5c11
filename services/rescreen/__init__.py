"""Rescreen: when a list version adds or changes entries, screen the distinct counterparties of
the look-back window's shipments against just those entries, and send each shipment that now
matches back through alerting as a rescreen (reason `newly_listed`). See docs/rescreen.md.

    delta = repository.load_delta(session, "us-ofac-sdn")          # latest version's changes
    report = rescreen_delta(sessions, producer, topic, delta, lookback_days=90, now=now)
"""

from services.rescreen.delta import Delta, Window, window
from services.rescreen.job import RescreenReport, rescreen_delta
from services.rescreen.repository import UnknownVersion, load_delta
from services.rescreen.rescreen import Counterparty, DeltaMatcher, StoredScreening, rescreened

__all__ = [
    "Counterparty",
    "Delta",
    "DeltaMatcher",
    "RescreenReport",
    "StoredScreening",
    "UnknownVersion",
    "Window",
    "load_delta",
    "rescreen_delta",
    "rescreened",
    "window",
]
