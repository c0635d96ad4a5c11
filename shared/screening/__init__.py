"""Sanctions screening: normalise names with rigour, retrieve candidates from an in-memory index,
score with weighted token alignment, explain every score. See docs/screening.md."""

from shared.screening.screener import DEFAULT_THRESHOLD, Screener, warm_up

__all__ = ["DEFAULT_THRESHOLD", "Screener", "warm_up"]
