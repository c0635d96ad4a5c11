"""The consumer loop with the in-memory bus: when offsets are committed, what goes to the DLQ."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from shared.kafka.loop import BatchResult, ConsumerLoop, LoopConfig, PoisonError, per_record
from shared.kafka.memory import MemoryBroker, MemoryConsumer, MemoryProducer
from shared.kafka.records import Output, Record, TopicPartition

IN, OUT, DLQ, GROUP = "in", "out", "svc.dlq", "g"


def config(**overrides: object) -> LoopConfig:
    base: dict[str, object] = {
        "service": "svc",
        "topics": [IN],
        "dlq_topic": DLQ,
        "commit_interval_ms": 0,
        "retry_attempts": 3,
        "retry_backoff_ms": 1,
    }
    base.update(overrides)
    return LoopConfig(**base)  # type: ignore[arg-type]


def upper(record: Record) -> list[Output]:
    assert record.value is not None
    if record.value == b"poison":
        raise PoisonError("invalid", "value is poison")
    key = record.key.decode() if record.key else None
    return [Output(OUT, key, record.value.upper())]


def fill(broker: MemoryBroker, values: Sequence[bytes]) -> None:
    producer = MemoryProducer(broker)
    for i, value in enumerate(values):
        producer.send(Output(IN, f"k{i}", value))


def committed_total(broker: MemoryBroker) -> int:
    return sum(broker.committed(GROUP).values())


def make_loop(
    broker: MemoryBroker,
    handler: object,
    producer: MemoryProducer | None = None,
    **overrides: object,
) -> ConsumerLoop:
    return ConsumerLoop(
        MemoryConsumer(broker, GROUP),
        producer or MemoryProducer(broker),
        handler,  # type: ignore[arg-type]
        config(**overrides),
        sleep=lambda s: None,
    )


def test_outputs_produced_and_offsets_committed_after_them() -> None:
    broker = MemoryBroker()
    fill(broker, [b"a", b"b", b"c"])
    make_loop(broker, per_record(upper)).run(max_batches=2)
    assert sorted(bytes(r.value or b"") for r in broker.records(OUT)) == [b"A", b"B", b"C"]
    assert committed_total(broker) == 3


def test_committed_offset_is_the_next_to_read() -> None:
    broker = MemoryBroker(partitions=1)
    fill(broker, [b"a", b"b"])
    make_loop(broker, per_record(upper)).run(max_batches=1)
    assert broker.committed(GROUP) == {TopicPartition(IN, 0): 2}


def test_poison_goes_to_dlq_with_headers_and_is_committed() -> None:
    broker = MemoryBroker(partitions=1)
    fill(broker, [b"a", b"poison", b"c"])
    make_loop(broker, per_record(upper)).run(max_batches=1)
    dead = broker.records(DLQ)
    assert [r.value for r in dead] == [b"poison"]
    headers = dict(dead[0].headers)
    assert headers["tw.dlq.error_type"] == b"invalid"
    assert headers["tw.dlq.reason"] == b"value is poison"
    assert headers["tw.dlq.source_topic"] == IN.encode()
    assert headers["tw.dlq.source_offset"] == b"1"
    assert dead[0].key == b"k1"
    assert [r.value for r in broker.records(OUT)] == [b"A", b"C"]
    assert broker.committed(GROUP) == {TopicPartition(IN, 0): 3}


def test_transient_handler_error_is_retried_then_succeeds() -> None:
    broker = MemoryBroker()
    fill(broker, [b"a"])
    calls = {"n": 0}

    def flaky(records: Sequence[Record]) -> BatchResult:
        calls["n"] += 1
        if calls["n"] < 3:
            raise ConnectionError("database down")
        return per_record(upper)(records)

    make_loop(broker, flaky).run(max_batches=1)
    assert calls["n"] == 3
    assert committed_total(broker) == 1


def test_transient_error_beyond_retries_crashes_without_commit() -> None:
    broker = MemoryBroker()
    fill(broker, [b"a", b"b"])

    def down(records: Sequence[Record]) -> BatchResult:
        raise ConnectionError("database down")

    with pytest.raises(ConnectionError):
        make_loop(broker, down).run(max_batches=1)
    assert committed_total(broker) == 0
    assert broker.records(OUT) == []


def test_failed_delivery_is_retried_and_not_committed_before_it_succeeds() -> None:
    broker = MemoryBroker()
    fill(broker, [b"a"])
    producer = MemoryProducer(broker)
    producer.fail_next = TimeoutError("broker did not acknowledge")
    make_loop(broker, per_record(upper), producer=producer).run(max_batches=1)
    assert [r.value for r in broker.records(OUT)] == [b"A"]
    assert committed_total(broker) == 1


def test_failed_delivery_beyond_retries_commits_nothing() -> None:
    broker = MemoryBroker()
    fill(broker, [b"a"])

    class Down(MemoryProducer):
        def send(self, output: Output):  # type: ignore[no-untyped-def]
            self.fail_next = TimeoutError("broker down")
            return super().send(output)

    with pytest.raises(TimeoutError):
        make_loop(broker, per_record(upper), producer=Down(broker)).run(max_batches=1)
    assert committed_total(broker) == 0


def test_restart_after_crash_redelivers_the_uncommitted_records() -> None:
    broker = MemoryBroker(partitions=1)
    fill(broker, [b"a", b"b"])

    def down(records: Sequence[Record]) -> BatchResult:
        raise ConnectionError("down")

    with pytest.raises(ConnectionError):
        make_loop(broker, down).run(max_batches=1)
    make_loop(broker, per_record(upper)).run(max_batches=1)
    assert [r.value for r in broker.records(OUT)] == [b"A", b"B"]


def test_stop_finishes_the_batch_and_commits() -> None:
    broker = MemoryBroker(partitions=1)
    fill(broker, [b"a", b"b"])
    loop = make_loop(broker, per_record(upper), commit_interval_ms=3_600_000)

    def handler_then_stop(records: Sequence[Record]) -> BatchResult:
        loop.stop()
        return per_record(upper)(records)

    loop._handler = handler_then_stop
    loop.run()
    assert broker.committed(GROUP) == {TopicPartition(IN, 0): 2}


def test_until_idle_stops_once_everything_is_handled() -> None:
    broker = MemoryBroker()
    fill(broker, [b"a", b"b", b"c", b"d"])
    loop = make_loop(broker, per_record(upper), max_poll_records=1)
    loop.run(until_idle=True)
    assert len(broker.records(OUT)) == 4
    assert committed_total(broker) == 4


def test_lost_partitions_are_forgotten_without_a_commit() -> None:
    broker = MemoryBroker(partitions=1)
    fill(broker, [b"a", b"b"])
    loop = make_loop(broker, per_record(upper), commit_interval_ms=3_600_000)
    loop._consumer.subscribe([IN], loop._on_assign, loop._on_revoke, loop._on_lost)
    loop.run_once()
    loop._on_lost([TopicPartition(IN, 0)])
    loop._commit()
    assert broker.committed(GROUP) == {}
    assert not loop.assigned


def test_revocation_commits_the_handled_records_of_the_revoked_partitions_only() -> None:
    broker = MemoryBroker(partitions=2)
    fill(broker, [b"a", b"b", b"c", b"d", b"e", b"f"])  # keys k0-k3 to 1, k4-k5 to 0
    loop = make_loop(broker, per_record(upper), commit_interval_ms=3_600_000)
    loop._consumer.subscribe([IN], loop._on_assign, loop._on_revoke, loop._on_lost)
    loop.run_once()
    assert broker.committed(GROUP) == {}
    handled = {tp: len(records) for tp, records in broker.logs.items() if tp.topic == IN}
    assert len(handled) == 2
    loop._on_revoke([TopicPartition(IN, 0)])
    assert broker.committed(GROUP) == {TopicPartition(IN, 0): handled[TopicPartition(IN, 0)]}
    assert loop.assigned == {TopicPartition(IN, 1)}
    loop._commit()
    assert broker.committed(GROUP) == handled


def test_a_failed_commit_on_revocation_does_not_stop_the_loop() -> None:
    broker = MemoryBroker(partitions=1)
    fill(broker, [b"a"])

    class Refusing(MemoryConsumer):
        def commit(self, offsets: dict[TopicPartition, int]) -> None:
            raise RuntimeError("rebalance in progress")

    loop = ConsumerLoop(
        Refusing(broker, GROUP),
        MemoryProducer(broker),
        per_record(upper),
        config(commit_interval_ms=3_600_000),
        sleep=lambda s: None,
    )
    loop._consumer.subscribe([IN], loop._on_assign, loop._on_revoke)
    loop.run_once()
    loop._on_revoke([TopicPartition(IN, 0)])
    assert broker.committed(GROUP) == {}
    assert [r.value for r in broker.records(OUT)] == [b"A"]


def test_a_commit_refused_while_the_broker_restarts_is_retried() -> None:
    broker = MemoryBroker(partitions=1)
    fill(broker, [b"a"])

    class Flaky(MemoryConsumer):
        refusals = 2

        def commit(self, offsets: dict[TopicPartition, int]) -> None:
            if self.refusals:
                self.refusals -= 1
                raise ConnectionError("coordinator not available")
            super().commit(offsets)

    loop = ConsumerLoop(
        Flaky(broker, GROUP),
        MemoryProducer(broker),
        per_record(upper),
        config(),
        sleep=lambda s: None,
    )
    loop.run(max_batches=1)
    assert broker.committed(GROUP) == {TopicPartition(IN, 0): 1}
