"""Enrichment: screens every party of every shipment and adds risk flags (issue 5)."""
