"""The group membership kafka-python gives the adapter, against the real broker.

kafka-python 3.0.12 abandons a rejoin that only a metadata change asked for when poll()'s
timeout ends between the JoinGroup and the SyncGroup: the member then holds no partitions,
sends no heartbeats and never notices. These tests fail on an adapter that does not guard
against it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Sequence

import pytest
from kafka.admin import KafkaAdminClient, NewPartitions

from shared.kafka.adapter import KafkaAdmin, KafkaConsumerAdapter
from shared.kafka.records import TopicPartition
from shared.schemas.registry import Topic


@pytest.fixture
def topic(kafka_bootstrap: str, topic_prefix: str) -> Iterator[str]:
    name = f"{topic_prefix}group-{uuid.uuid4().hex[:6]}"
    admin = KafkaAdmin(kafka_bootstrap)
    admin.create_topics([Topic(name=name, key="k", model=None, producer="test", partitions=4)])
    yield name
    admin.delete_topics([name])
    admin.close()


class Member:
    """A subscribed adapter that records what the group gives it."""

    def __init__(self, bootstrap: str, group: str, topic: str) -> None:
        self.assignments: list[Sequence[TopicPartition]] = []
        self.held: set[TopicPartition] = set()
        self.consumer = KafkaConsumerAdapter(bootstrap, group, f"test-{group}")
        self.consumer.subscribe([topic], self._assigned, self._revoked)

    def _assigned(self, partitions: Sequence[TopicPartition]) -> None:
        self.assignments.append(partitions)
        self.held.update(partitions)

    def _revoked(self, partitions: Sequence[TopicPartition]) -> None:
        self.held.difference_update(partitions)

    def poll_for(self, seconds: float, timeout_ms: int, until: int | None = None) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.consumer.poll(timeout_ms, 100)
            if until is not None and len(self.held) == until:
                return


def test_a_lone_member_is_assigned_once(kafka_bootstrap: str, topic: str) -> None:
    # Without the topic's partitions in the coordinator's snapshot when the leader assigns,
    # the next metadata refresh makes it rejoin: a second rebalance for nothing, and the
    # rejoin kafka-python can abandon.
    member = Member(kafka_bootstrap, f"g-{uuid.uuid4().hex[:8]}", topic)
    try:
        member.poll_for(4, 200)
        assert len(member.held) == 4
        assert len(member.assignments) == 1, member.assignments
    finally:
        member.consumer.close()


def test_a_member_keeps_its_partitions_when_partitions_are_added(
    kafka_bootstrap: str, topic: str
) -> None:
    # Polls of 1 ms end every join between its JoinGroup and its SyncGroup: the case
    # kafka-python abandons when partitions are added under a running member.
    member = Member(kafka_bootstrap, f"g-{uuid.uuid4().hex[:8]}", topic)
    try:
        member.poll_for(30, 1, until=4)
        assert len(member.held) == 4
        admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
        try:
            admin.create_partitions({topic: NewPartitions(total_count=6)})
        finally:
            admin.close()
        # The member's metadata refresh (10 s at most) sees six; it must end up holding them.
        member.poll_for(40, 1, until=6)
        assert len(member.held) == 6, member.assignments
    finally:
        member.consumer.close()
