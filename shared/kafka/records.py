"""Plain records that cross the ports; nothing here knows about kafka-python."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

Headers = list[tuple[str, bytes]]

# The broker refuses records over ~1 MiB (message.max.bytes), and kafka-python's idempotent
# producer then fails every later send: never hand it a value this large.
MAX_RECORD_BYTES = 1_000_000


@dataclass(frozen=True)
class TopicPartition:
    topic: str
    partition: int


@dataclass(frozen=True)
class Record:
    """A record as consumed."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Headers = field(default_factory=list)
    timestamp_ms: int = 0

    @property
    def tp(self) -> TopicPartition:
        return TopicPartition(self.topic, self.partition)

    @property
    def where(self) -> str:
        return f"{self.topic}/{self.partition}@{self.offset}"

    def header(self, name: str) -> bytes | None:
        for key, value in self.headers:
            if key == name:
                return value
        return None


@dataclass(frozen=True)
class Output:
    """A record to produce. `value=None` is a tombstone."""

    topic: str
    key: str | None
    value: bytes | None
    headers: Headers = field(default_factory=list)


class Delivery(Protocol):
    """The broker's answer to one send; `wait` raises if the send failed."""

    def wait(self, timeout_s: float) -> None: ...


class Producer(Protocol):
    def send(self, output: Output) -> Delivery: ...

    def flush(self, timeout_s: float) -> None: ...

    def close(self, timeout_s: float) -> None: ...


PartitionsCallback = Callable[[Sequence[TopicPartition]], None]


class Consumer(Protocol):
    def subscribe(
        self,
        topics: Sequence[str],
        on_assign: PartitionsCallback,
        on_revoke: PartitionsCallback,
        on_lost: PartitionsCallback | None = None,
    ) -> None:
        """`on_revoke` may still commit; `on_lost` (the group evicted us) must not."""
        ...

    def poll(self, timeout_ms: int, max_records: int) -> list[Record]: ...

    def commit(self, offsets: dict[TopicPartition, int]) -> None:
        """Commit explicit offsets: each is the next offset to read (last handled + 1)."""
        ...

    def seek(self, tp: TopicPartition, offset: int) -> None: ...

    def lag(self) -> dict[TopicPartition, int]:
        """Records between the position and the end of each assigned partition."""
        ...

    def close(self) -> None:
        """Leave the group without committing anything."""
        ...
