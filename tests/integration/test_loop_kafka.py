"""The consumer loop against the real broker: DLQ, redelivery after a crash, rebalancing."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence

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
    bootstrap: str,
    group: str,
    topics: tuple[str, str, str],
    handler: BatchHandler,
    commit_interval_ms: int = 200,
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
            commit_interval_ms=commit_interval_ms,
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


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.2)
    return condition()


def test_a_rebalance_commits_what_was_handled_when_a_consumer_joins_and_leaves(
    kafka_bootstrap: str, topics: tuple[str, str, str], caplog: pytest.LogCaptureFixture
) -> None:
    """Revocation commits the handled records of the partitions given up (no periodic commit
    here), so whoever owns a partition next re-reads none of them."""
    in_topic, out_topic, _ = topics
    total = 40
    group = f"g-revoke-{uuid.uuid4().hex[:8]}"
    handled = {"first": 0, "second": 0}

    def counting(name: str) -> BatchHandler:
        inner = forward(out_topic)

        def handle(records: Sequence[Record]) -> BatchResult:
            result = inner(records)
            handled[name] += len(records)
            return result

        return handle

    def settled(loop: ConsumerLoop) -> bool:
        """True once the loop has finished a batch after this call: its offsets are pending."""
        batches = loop.batches_done
        return wait_for(lambda: loop.batches_done > batches, 10)

    hour = 3_600_000
    first = make_loop(kafka_bootstrap, group, topics, counting("first"), commit_interval_ms=hour)
    second = make_loop(kafka_bootstrap, group, topics, counting("second"), commit_interval_ms=hour)
    threads = [threading.Thread(target=first.run), threading.Thread(target=second.run)]
    admin = KafkaAdmin(kafka_bootstrap)

    def committed_everything() -> bool:
        ends = {p: end for p, end in admin.end_offsets(in_topic).items() if end}
        return bool(ends) and admin.committed_offsets(group, in_topic) == ends

    try:
        produce(kafka_bootstrap, in_topic, [f"v{i}".encode() for i in range(total)])
        threads[0].start()
        assert wait_for(lambda: handled["first"] == total, 30)
        assert settled(first)
        assert admin.committed_offsets(group, in_topic) == {}

        # A second consumer joins: the first gives up its partitions and commits them.
        threads[1].start()
        assert wait_for(lambda: bool(first.assigned and second.assigned), 30)
        joined = wait_for(committed_everything, 10)
        time.sleep(1)  # the second's first polls, which must find nothing to re-read
        after_join = dict(handled)

        # More records for both; then the second leaves (its stop commits its own), and the
        # first, revoked before it takes every partition, commits what it handled since.
        produce(kafka_bootstrap, in_topic, [f"w{i}".encode() for i in range(total)])
        assert wait_for(lambda: sum(handled.values()) >= 2 * total, 30)
        assert settled(first) and settled(second)
        second.stop()
        threads[1].join(30)
        assert wait_for(lambda: len(first.assigned) == 4, 30)
        left = wait_for(committed_everything, 10)
        time.sleep(1)  # the first's polls of the partitions it took over: nothing to re-read
    finally:
        first.stop()
        second.stop()
        for thread in threads:
            if thread.is_alive():
                thread.join(30)
        admin.close()

    assert joined, "the first consumer's handled records were not committed on revocation"
    assert after_join == {"first": total, "second": 0}
    assert left, "the records handled before the second left were not committed"
    assert sum(handled.values()) == 2 * total
    assert "commit on revocation failed" not in caplog.text
