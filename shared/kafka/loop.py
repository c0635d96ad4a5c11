"""The consumer loop every service runs.

poll -> handle -> produce -> wait for every delivery -> commit explicit offsets (+1), about once
a second, on partition revocation and on shutdown. Poison goes to the DLQ and is committed; any
other error is transient: the batch is retried with backoff, then the loop raises without
committing, so the records come back after a restart.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from shared.kafka.dlq import dead_letter
from shared.kafka.records import Consumer, Output, Producer, Record, TopicPartition
from shared.metrics import CONSUMER_LAG, LOOP_BATCH_SECONDS, LOOP_RECORDS, LOOP_RETRIES

log = logging.getLogger(__name__)

DELIVERY_TIMEOUT_S = 60.0
T = TypeVar("T")


class PoisonError(Exception):
    """A record that can never be handled: it goes to the DLQ with this reason."""

    def __init__(self, error_type: str, reason: str) -> None:
        super().__init__(f"{error_type}: {reason}")
        self.error_type = error_type
        self.reason = reason


@dataclass(frozen=True)
class Rejected:
    record: Record
    error_type: str
    reason: str


@dataclass
class BatchResult:
    outputs: list[Output] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


BatchHandler = Callable[[Sequence[Record]], BatchResult]


def per_record(handle: Callable[[Record], list[Output]]) -> BatchHandler:
    """Make a batch handler of a record handler; PoisonError rejects just that record."""

    def handle_batch(records: Sequence[Record]) -> BatchResult:
        result = BatchResult()
        for record in records:
            try:
                result.outputs.extend(handle(record))
            except PoisonError as error:
                result.rejected.append(Rejected(record, error.error_type, error.reason))
        return result

    return handle_batch


@dataclass(frozen=True)
class LoopConfig:
    service: str
    topics: Sequence[str]
    dlq_topic: str
    poll_timeout_ms: int = 500
    max_poll_records: int = 500
    commit_interval_ms: int = 1000
    retry_attempts: int = 8
    retry_backoff_ms: int = 200
    retry_backoff_max_ms: int = 10_000


class ConsumerLoop:
    def __init__(
        self,
        consumer: Consumer,
        producer: Producer,
        handler: BatchHandler,
        config: LoopConfig,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._consumer = consumer
        self._producer = producer
        self._handler = handler
        self._config = config
        self._sleep = sleep
        self._clock = clock
        self._pending: dict[TopicPartition, int] = {}
        self._last_commit = clock()
        self._stopping = False
        self.assigned: set[TopicPartition] = set()
        self.batches_done = 0
        self.lag_records: int | None = None

    # lifecycle -----------------------------------------------------------------------------

    def stop(self) -> None:
        """Ask the loop to finish its batch, commit and return (safe from a signal handler)."""
        self._stopping = True

    def run(self, max_batches: int | None = None, until_idle: bool = False) -> None:
        """Run until stopped (or `max_batches` polls; or, `until_idle`, until a poll finds
        nothing and the assigned partitions have no lag: the one-process demo's batch mode)."""
        self._consumer.subscribe(
            self._config.topics, self._on_assign, self._on_revoke, self._on_lost
        )
        try:
            while not self._stopping:
                if max_batches is not None and self.batches_done >= max_batches:
                    break
                found = self.run_once()
                if until_idle and not found and self._idle():
                    break
            self._commit()
        finally:
            self._consumer.close()

    def _idle(self) -> bool:
        return bool(self.assigned) and not any(self._consumer.lag().values())

    def run_once(self) -> int:
        """One poll and its batch; return how many records it handled."""
        records = self._consumer.poll(self._config.poll_timeout_ms, self._config.max_poll_records)
        if records:
            self._process(records)
        self.batches_done += 1
        now = self._clock()
        if (now - self._last_commit) * 1000 >= self._config.commit_interval_ms:
            # A broker restart fails commits for a few seconds: retry like any transient error.
            self._with_retries(self._commit, "commit")
            self._report_lag()
        return len(records)

    def _report_lag(self) -> None:
        try:
            lag = self._consumer.lag()
        except Exception as error:  # lag is for metrics only; never fail the loop for it
            log.debug("lag unavailable: %r", error)
            return
        by_topic: dict[str, int] = {}
        for tp, behind in lag.items():
            by_topic[tp.topic] = by_topic.get(tp.topic, 0) + behind
        for topic, behind in by_topic.items():
            CONSUMER_LAG.labels(self._config.service, topic).set(behind)
        self.lag_records = sum(by_topic.values())

    # one batch -----------------------------------------------------------------------------

    def _process(self, records: list[Record]) -> None:
        started = time.perf_counter()
        result = self._with_retries(lambda: self._handler(records), "handle")
        dlq = [
            dead_letter(
                r.record,
                dlq_topic=self._config.dlq_topic,
                service=self._config.service,
                error_type=r.error_type,
                reason=r.reason,
            )
            for r in result.rejected
        ]
        for rejected in result.rejected:
            log.warning(
                "poison record %s to %s: %s: %s",
                rejected.record.where,
                self._config.dlq_topic,
                rejected.error_type,
                rejected.reason[:500],
            )
        self._with_retries(lambda: self._produce(result.outputs + dlq), "produce")
        for record in records:
            tp = record.tp
            self._pending[tp] = max(self._pending.get(tp, 0), record.offset + 1)
        topic = records[0].topic
        LOOP_RECORDS.labels(self._config.service, topic, "ok").inc(
            len(records) - len(result.rejected)
        )
        if result.rejected:
            LOOP_RECORDS.labels(self._config.service, topic, "dlq").inc(len(result.rejected))
        LOOP_BATCH_SECONDS.labels(self._config.service).observe(time.perf_counter() - started)

    def _produce(self, outputs: list[Output]) -> None:
        deliveries = [self._producer.send(output) for output in outputs]
        if deliveries:
            self._producer.flush(DELIVERY_TIMEOUT_S)
        for delivery in deliveries:
            delivery.wait(DELIVERY_TIMEOUT_S)

    def _with_retries(self, action: Callable[[], T], what: str) -> T:
        backoff_ms = self._config.retry_backoff_ms
        attempt = 1
        while True:
            try:
                return action()
            except PoisonError:
                raise
            except Exception as error:
                if attempt >= self._config.retry_attempts:
                    log.error("%s failed %d times, giving up without commit", what, attempt)
                    raise
                LOOP_RETRIES.labels(self._config.service, what).inc()
                log.warning(
                    "%s failed (attempt %d/%d), retrying in %d ms: %r",
                    what,
                    attempt,
                    self._config.retry_attempts,
                    backoff_ms,
                    error,
                )
                self._sleep(backoff_ms / 1000)
                backoff_ms = min(backoff_ms * 2, self._config.retry_backoff_max_ms)
                attempt += 1

    # offsets -------------------------------------------------------------------------------

    def _commit(self, only: Sequence[TopicPartition] | None = None) -> None:
        offsets = (
            dict(self._pending)
            if only is None
            else {tp: o for tp, o in self._pending.items() if tp in set(only)}
        )
        if offsets:
            self._consumer.commit(offsets)
            for tp in offsets:
                self._pending.pop(tp, None)
        self._last_commit = self._clock()

    def _on_assign(self, partitions: Sequence[TopicPartition]) -> None:
        self.assigned.update(partitions)
        log.info("assigned %s", sorted((tp.topic, tp.partition) for tp in partitions))

    def _on_revoke(self, partitions: Sequence[TopicPartition]) -> None:
        # Called only while this loop waits in poll() or close(), so everything pending was
        # handled and its outputs acknowledged: safe to commit. The Kafka adapter runs this on
        # kafka-python's IO thread, where a blocking commit is impossible: its commit() collects
        # the offsets and the adapter awaits their commit before the rebalance goes on
        # (adapter._Listener). Not a commit from this thread before the join: the rejoin flag
        # is set by a heartbeat at any moment, even inside the poll() that then rejoins.
        try:
            self._commit(partitions)
        except Exception as error:
            # The new owner re-reads from the last commit: duplicates, which every write
            # absorbs (stable ids), never a loss.
            log.warning("commit on revocation failed, records will be redelivered: %r", error)
            self._forget(partitions)
        self.assigned.difference_update(partitions)
        log.info("revoked %s", sorted((tp.topic, tp.partition) for tp in partitions))

    def _on_lost(self, partitions: Sequence[TopicPartition]) -> None:
        self._forget(partitions)
        self.assigned.difference_update(partitions)
        log.warning(
            "lost %s (evicted from the group): uncommitted records will be redelivered",
            sorted((tp.topic, tp.partition) for tp in partitions),
        )

    def _forget(self, partitions: Sequence[TopicPartition]) -> None:
        for tp in partitions:
            self._pending.pop(tp, None)
