"""An in-memory bus with the ports' interface: for `make demo` and unit tests only.

Partitions by key hash, consumer groups with committed offsets, single-process.
"""

from __future__ import annotations

import threading
import zlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from shared.kafka.records import Output, PartitionsCallback, Record, TopicPartition


class MemoryDelivery:
    def __init__(self, error: Exception | None = None) -> None:
        self._error = error

    def wait(self, timeout_s: float) -> None:
        if self._error is not None:
            raise self._error


@dataclass
class _Group:
    committed: dict[TopicPartition, int] = field(default_factory=dict)


class MemoryBroker:
    def __init__(self, partitions: int = 3) -> None:
        self.partitions = partitions
        self.logs: dict[TopicPartition, list[Record]] = defaultdict(list)
        self.groups: dict[str, _Group] = defaultdict(_Group)
        self.lock = threading.Lock()

    def append(self, output: Output) -> Record:
        partition = 0 if output.key is None else zlib.crc32(output.key.encode()) % self.partitions
        tp = TopicPartition(output.topic, partition)
        with self.lock:
            log = self.logs[tp]
            record = Record(
                topic=output.topic,
                partition=partition,
                offset=len(log),
                key=output.key.encode() if output.key is not None else None,
                value=output.value,
                headers=list(output.headers),
            )
            log.append(record)
        return record

    def records(self, topic: str) -> list[Record]:
        with self.lock:
            found = [r for tp, log in self.logs.items() if tp.topic == topic for r in log]
        return sorted(found, key=lambda r: (r.partition, r.offset))

    def committed(self, group: str) -> dict[TopicPartition, int]:
        return dict(self.groups[group].committed)


class MemoryProducer:
    def __init__(self, broker: MemoryBroker) -> None:
        self._broker = broker
        self.fail_next: Exception | None = None

    def send(self, output: Output) -> MemoryDelivery:
        if self.fail_next is not None:
            error, self.fail_next = self.fail_next, None
            return MemoryDelivery(error)
        self._broker.append(output)
        return MemoryDelivery()

    def flush(self, timeout_s: float) -> None:
        return None

    def close(self, timeout_s: float) -> None:
        return None


class MemoryConsumer:
    """One consumer owning every partition of its topics (no rebalancing in one process)."""

    def __init__(self, broker: MemoryBroker, group_id: str) -> None:
        self._broker = broker
        self._group = broker.groups[group_id]
        self._topics: list[str] = []
        self._positions: dict[TopicPartition, int] = {}

    def subscribe(
        self,
        topics: Sequence[str],
        on_assign: PartitionsCallback,
        on_revoke: PartitionsCallback,
        on_lost: PartitionsCallback | None = None,
    ) -> None:
        self._topics = list(topics)
        tps = [TopicPartition(t, p) for t in topics for p in range(self._broker.partitions)]
        for tp in tps:
            self._positions[tp] = self._group.committed.get(tp, 0)
        on_assign(tps)

    def poll(self, timeout_ms: int, max_records: int) -> list[Record]:
        out: list[Record] = []
        with self._broker.lock:
            for tp, position in self._positions.items():
                log = self._broker.logs.get(tp, [])
                take = log[position : position + max_records - len(out)]
                out.extend(take)
                self._positions[tp] = position + len(take)
                if len(out) >= max_records:
                    break
        return out

    def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self._group.committed.update(offsets)

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self._positions[tp] = offset

    def lag(self) -> dict[TopicPartition, int]:
        with self._broker.lock:
            return {
                tp: len(self._broker.logs.get(tp, [])) - pos for tp, pos in self._positions.items()
            }

    def close(self) -> None:
        self._positions.clear()
