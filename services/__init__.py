"""Tradewatch services: ingest, enrichment, alerting. Each imports only `shared`."""
