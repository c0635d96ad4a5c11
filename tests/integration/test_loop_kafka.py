"""The consumer loop against the real broker: DLQ, redelivery after a crash, rebalancing."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator, Sequence

import pytest

from shared.kafka.adapter import KafkaAdmin, KafkaConsumerAdapter, KafkaProducerAdapter
from shared.kafka.loop import (
    BatchHandler,
    BatchResult,
    ConsumerLoop,
    LoopConfig,
    PoisonError,
    per_record,
)
from shared.kafka.records import Output, Record
from shared.schemas.registry import Topic


@pytest.fixture
def topics(kafka_bootstrap: str, topic_prefix: str) -> Iterator[tuple[str, str, str]]:
    names = (f"{topic_prefix}in", f"{topic_prefix}out", f"{topic_prefix}svc.dlq")
    admin = KafkaAdmin(kafka_bootstrap)
    admin.create_topics(
        [Topic(name=n, key="k", model=None, producer="test", partitions=4) for n in names]
    )
    yield names
    admin.delete_topics(list(names))
    admin.close()


def produce(bootstrap: str, topic: str, values: Sequence[bytes]) -> None:
    producer = KafkaProducerAdapter(bootstrap, "test-producer")
    deliveries = [producer.send(Output(topic, f"k{i}", v)) for i, v in enumerate(values)]
    producer.flush(30)
    for delivery in deliveries:
        delivery.wait(30)
    producer.close(10)


def read_all(bootstrap: str, topic: str, expected: int, timeout_s: float = 30) -> list[Record]:
    consumer = KafkaConsumerAdapter(bootstrap, f"reader-{uuid.uuid4().hex[:8]}", "reader")
    consumer.subscribe([topic], lambda tps: None, lambda tps: None)
    found: list[Record] = []
    deadline = time.monotonic() + timeout_s
    while len(found) < expected and time.monotonic() < deadline:
        found.extend(consumer.poll(500, 1000))
    # Poll a little longer: more than expected would be a bug the assertion must see.
    found.extend(consumer.poll(1000, 1000))
    consumer.close()
    return found


def forward(out_topic: str) -> BatchHandler:
    def handle(record: Record) -> list[Output]:
        assert record.value is not None
        if record.value.startswith(b"poison"):
            raise PoisonError("invalid_value", f"cannot handle {record.value!r}")
        key = record.key.decode() if record.key else None
        return [Output(out_topic, key, record.value)]

    return per_record(handle)


def make_loop(
    bootstrap: str, group: str, topics: tuple[str, str, str], handler: BatchHandler
) -> ConsumerLoop:
    in_topic, _, dlq = topics
    return ConsumerLoop(
        KafkaConsumerAdapter(bootstrap, group, f"test-{group}"),
        KafkaProducerAdapter(bootstrap, f"test-{group}"),
        handler,
        LoopConfig(
            service="svc",
            topics=[in_topic],
            dlq_topic=dlq,
            poll_timeout_ms=200,
            commit_interval_ms=200,
            retry_attempts=2,
            retry_backoff_ms=10,
        ),
    )


def run_until(loop: ConsumerLoop, done: threading.Event | None = None, seconds: float = 5) -> None:
    thread = threading.Thread(target=loop.run)
    thread.start()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not (done and done.is_set()):
        time.sleep(0.1)
    loop.stop()
    thread.join(30)


def test_poison_record_lands_in_the_dlq_with_headers(
    kafka_bootstrap: str, topics: tuple[str, str, str]
) -> None:
    in_topic, out_topic, dlq = topics
    produce(kafka_bootstrap, in_topic, [b"ok-0", b"poison-1", b"ok-2"])
    run_until(make_loop(kafka_bootstrap, "g-dlq", topics, forward(out_topic)), seconds=6)
    dead = read_all(kafka_bootstrap, dlq, 1)
    assert [r.value for r in dead] == [b"poison-1"]
    headers = dict(dead[0].headers)
    assert headers["tw.dlq.error_type"] == b"invalid_value"
    assert headers["tw.dlq.source_topic"] == in_topic.encode()
    assert headers["tw.dlq.service"] == b"svc"
    assert b"poison-1" in headers["tw.dlq.reason"]
    assert int(headers["tw.dlq.source_offset"]) >= 0
    assert sorted(bytes(r.value or b"") for r in read_all(kafka_bootstrap, out_topic, 2)) == [
        b"ok-0",
        b"ok-2",
    ]


def test_transient_failure_is_redelivered_after_restart(
    kafka_bootstrap: str, topics: tuple[str, str, str]
) -> None:
    in_topic, out_topic, _ = topics
    produce(kafka_bootstrap, in_topic, [b"a", b"b", b"c"])

    def down(records: Sequence[Record]) -> BatchResult:
        raise ConnectionError("database unreachable")

    crashing = make_loop(kafka_bootstrap, "g-redeliver", topics, down)
    with pytest.raises(ConnectionError):
        crashing.run()
    assert read_all(kafka_bootstrap, out_topic, 0, timeout_s=1) == []

    run_until(make_loop(kafka_bootstrap, "g-redeliver", topics, forward(out_topic)), seconds=6)
    assert sorted(bytes(r.value or b"") for r in read_all(kafka_bootstrap, out_topic, 3)) == [
        b"a",
        b"b",
        b"c",
    ]


def test_two_consumers_split_partitions_and_a_rebalance_loses_nothing(
    kafka_bootstrap: str, topics: tuple[str, str, str]
) -> None:
    in_topic, out_topic, _ = topics
    total = 400
    produce(kafka_bootstrap, in_topic, [f"v{i}".encode() for i in range(total // 2)])
    first = make_loop(kafka_bootstrap, "g-rebalance", topics, forward(out_topic))
    second = make_loop(kafka_bootstrap, "g-rebalance", topics, forward(out_topic))
    t1 = threading.Thread(target=first.run)
    t1.start()
    time.sleep(3)
    t2 = threading.Thread(target=second.run)
    t2.start()
    deadline = time.monotonic() + 30
    while not (first.assigned and second.assigned) and time.monotonic() < deadline:
        time.sleep(0.2)
    split = (set(first.assigned), set(second.assigned))
    produce(kafka_bootstrap, in_topic, [f"v{i}".encode() for i in range(total // 2, total)])
    time.sleep(3)
    first.stop()  # the second takes over the first's partitions
    t1.join(30)
    time.sleep(4)
    second.stop()
    t2.join(30)

    assert split[0] and split[1] and not (split[0] & split[1])
    values = {r.value for r in read_all(kafka_bootstrap, out_topic, total)}
    assert values == {f"v{i}".encode() for i in range(total)}
