"""Tradewatch's shared library: settings, the topic contract, Kafka, database, metrics."""
