"""The local infrastructure itself (`make up`): Kafka round-trips a record, PostgreSQL answers.

Uses kafka-python and psycopg directly rather than the project's adapters: when this fails, the
broker or the database is at fault, not our code.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from sqlalchemy.engine import make_url


@pytest.fixture
def fresh_topic(kafka_bootstrap: str, topic_prefix: str) -> Iterator[str]:
    name = f"{topic_prefix}infra-roundtrip"
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap, client_id="test-infra")
    admin.create_topics([NewTopic(name, 1, 1)], timeout_ms=30_000)
    yield name
    admin.delete_topics([name], timeout_ms=30_000)
    admin.close()


def test_kafka_round_trips_a_record_on_a_fresh_topic(
    kafka_bootstrap: str, fresh_topic: str
) -> None:
    value = uuid.uuid4().bytes
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    metadata = producer.send(fresh_topic, key=b"k", value=value, headers=[("h", b"1")]).get(30)
    producer.close(timeout=10)
    assert (metadata.topic, metadata.partition, metadata.offset) == (fresh_topic, 0, 0)

    consumer = KafkaConsumer(
        fresh_topic,
        bootstrap_servers=kafka_bootstrap,
        group_id=f"test-infra-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=20_000,
    )
    try:
        record = next(iter(consumer))
    finally:
        consumer.close(autocommit=False)
    assert (record.key, record.value, record.offset) == (b"k", value, 0)
    assert list(record.headers) == [("h", b"1")]


def test_postgres_answers_as_the_tradewatch_role(database_url: str) -> None:
    url = make_url(database_url)
    with psycopg.connect(
        host=url.host, port=url.port, user="tradewatch", password="tradewatch", dbname=url.database
    ) as conn:
        row = conn.execute("select 1, current_user, current_database()").fetchone()
    assert row == (1, "tradewatch", "tradewatch_test")
