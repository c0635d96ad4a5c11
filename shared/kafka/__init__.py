"""Kafka: typed records and ports, the kafka-python adapter, the in-memory bus, the loop."""
