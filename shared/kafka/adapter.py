"""The one module that imports kafka-python: typed producer, consumer, reader and admin.

kafka-python is untyped; its `Any` stays inside this module.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Sequence
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka import TopicPartition as KafkaTP
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic, OffsetSpec
from kafka.consumer.subscription_state import AsyncConsumerRebalanceListener
from kafka.errors import TopicAlreadyExistsError
from kafka.structs import OffsetAndMetadata

from shared.kafka.records import Output, PartitionsCallback, Record, TopicPartition
from shared.schemas.registry import Topic

log = logging.getLogger(__name__)


def _servers(bootstrap_servers: str) -> list[str]:
    return [s.strip() for s in bootstrap_servers.split(",") if s.strip()]


class KafkaDelivery:
    def __init__(self, future: Any) -> None:
        self._future = future

    def wait(self, timeout_s: float) -> None:
        # flush() never raises for a failed send; the future does.
        self._future.get(timeout=timeout_s)


# A record batch (one per partition) of up to 256 KiB instead of kafka-python's 16 KiB: a
# consumer loop sends a whole poll at once, and a 16 KiB batch holds about ten screened
# shipments, so a poll of 500 became some fifty batches, each with its Python overhead.
# Measured on a relay (consume and produce 1.5 KB records, docs/benchmarks.md): 100 CPU-us per
# record with 16 KiB, 45-60 with 128 KiB to 1 MiB.
# It stays well under the broker's 1 MiB message.max.bytes; linger_ms still bounds the wait.
PRODUCER_BATCH_BYTES = 256 * 1024


class KafkaProducerAdapter:
    """Idempotent producer (acks=all), a small linger to batch."""

    def __init__(
        self,
        bootstrap_servers: str,
        client_id: str,
        linger_ms: int = 5,
        batch_bytes: int = PRODUCER_BATCH_BYTES,
    ) -> None:
        self._servers = _servers(bootstrap_servers)
        self._producer = KafkaProducer(
            bootstrap_servers=self._servers,
            client_id=client_id,
            acks="all",
            enable_idempotence=True,
            linger_ms=linger_ms,
            batch_size=batch_bytes,
            compression_type=None,
            max_request_size=8 * 1024 * 1024,
            retries=2147483647,
            delivery_timeout_ms=120_000,
        )

    def send(self, output: Output) -> KafkaDelivery:
        future = self._producer.send(
            output.topic,
            value=output.value,
            key=output.key.encode() if output.key is not None else None,
            headers=list(output.headers),
        )
        return KafkaDelivery(future)

    def flush(self, timeout_s: float) -> None:
        self._producer.flush(timeout=timeout_s)

    def close(self, timeout_s: float) -> None:
        self._producer.close(timeout=timeout_s)

    def connected(self) -> bool:
        # A direct probe: kafka-python 3.0's bootstrap_connected() is True only while the
        # bootstrap is in progress (False once connected), and idle connections are closed.
        for server in self._servers:
            host, _, port = server.rpartition(":")
            try:
                with socket.create_connection((host.strip("[]"), int(port)), timeout=1.0):
                    return True
            except (OSError, ValueError):
                continue
        return False


def _to_record(raw: Any) -> Record:
    return Record(
        topic=raw.topic,
        partition=raw.partition,
        offset=raw.offset,
        key=raw.key,
        value=raw.value,
        headers=[(k, v if v is not None else b"") for k, v in (raw.headers or [])],
        timestamp_ms=raw.timestamp,
    )


def _partitions(tps: Any) -> list[TopicPartition]:
    return [TopicPartition(tp.topic, tp.partition) for tp in tps]


def _kafka_offsets(offsets: dict[TopicPartition, int]) -> dict[Any, Any]:
    return {
        KafkaTP(tp.topic, tp.partition): OffsetAndMetadata(offset, "", -1)
        for tp, offset in offsets.items()
    }


class _Listener(AsyncConsumerRebalanceListener):  # type: ignore[misc]
    """kafka-python 3.0 runs the listener on its IO thread, inside the poll() or close() the loop
    thread is blocked in, so everything the loop has pending was handled and acknowledged. A
    blocking commit there raises ("Cannot block on net.run() from the IO thread"): a commit the
    revoke callback asks for is collected instead, then awaited here (kafka-python's own advice),
    once, before the JoinGroup or LeaveGroup goes out, while our generation is still valid."""

    def __init__(
        self,
        adapter: KafkaConsumerAdapter,
        on_assign: PartitionsCallback,
        on_revoke: PartitionsCallback,
        on_lost: PartitionsCallback | None,
    ) -> None:
        self._adapter = adapter
        self._on_assign = on_assign
        self._on_revoke = on_revoke
        self._on_lost = on_lost or on_revoke

    async def on_partitions_revoked(self, revoked: Any) -> None:
        await self._adapter._revoke(_partitions(revoked), self._on_revoke)

    async def on_partitions_lost(self, lost: Any) -> None:
        # Evicted (session expired): a commit would fail.
        self._on_lost(_partitions(lost))

    async def on_partitions_assigned(self, assigned: Any) -> None:
        self._on_assign(_partitions(assigned))


class KafkaConsumerAdapter:
    """A group consumer with auto-commit off; commits only the offsets it is given."""

    def __init__(self, bootstrap_servers: str, group_id: str, client_id: str) -> None:
        self._consumer = KafkaConsumer(
            bootstrap_servers=_servers(bootstrap_servers),
            group_id=group_id,
            client_id=client_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_interval_ms=300_000,
            session_timeout_ms=10_000,
            heartbeat_interval_ms=3_000,
            fetch_max_bytes=16 * 1024 * 1024,
            # Notice a topic created after we subscribed within seconds, not the default 5 min.
            metadata_max_age_ms=10_000,
        )
        self._group = group_id
        # Set while the revoke callback runs on the IO thread: commit() collects into it.
        self._revoke_commits: dict[TopicPartition, int] | None = None

    def subscribe(
        self,
        topics: Sequence[str],
        on_assign: PartitionsCallback,
        on_revoke: PartitionsCallback,
        on_lost: PartitionsCallback | None = None,
    ) -> None:
        listener = _Listener(self, on_assign, on_revoke, on_lost)
        self._consumer.subscribe(list(topics), listener=listener)
        self._await_metadata(topics)

    def _await_metadata(self, topics: Sequence[str], timeout_s: float = 30.0) -> None:
        """Know the topics' partitions after subscribing and before the first poll joins.
        topics() fetches fresh metadata, which the coordinator snapshots for the subscription:
        a leader that assigns without that snapshot assigns nothing, or rejoins as soon as the
        metadata lands, a rebalance for nothing that kafka-python can abandon (`_rejoin_if_
        abandoned`). A topic still missing after `timeout_s` is picked up by the periodic
        metadata refresh."""
        deadline = time.monotonic() + timeout_s
        missing = list(topics)
        while missing:
            known = self._consumer.topics()
            missing = [t for t in missing if t not in known]
            if not missing or time.monotonic() > deadline:
                break
            log.info("waiting for topic metadata: %s", ", ".join(missing))
            time.sleep(1.0)
        if missing:
            log.warning("subscribing before these topics exist: %s", ", ".join(missing))

    def poll(self, timeout_ms: int, max_records: int) -> list[Record]:
        batches = self._consumer.poll(timeout_ms=timeout_ms, max_records=max_records)
        self._rejoin_if_abandoned()
        return [_to_record(raw) for records in batches.values() for raw in records]

    def _rejoin_if_abandoned(self) -> None:
        """kafka-python 3.0.12 abandons a rejoin that only a metadata change asked for (the
        topic gained partitions) when poll()'s timeout ends between the JoinGroup and the
        SyncGroup: once the leader has assigned, need_rejoin() is false, so the finished join is
        never applied. The member holds nothing, sends no heartbeat, is dropped by the broker
        and never notices. Seen as: still rejoining, no join in flight, no rejoin needed."""
        coordinator = self._consumer._coordinator
        if not coordinator.rejoining:
            return
        join = coordinator._join_task
        if (join is None or join.is_done) and not coordinator.need_rejoin():
            log.warning("kafka-python abandoned a rejoin of group %s; rejoining", self._group)
            coordinator.request_rejoin()

    def commit(self, offsets: dict[TopicPartition, int]) -> None:
        if not offsets:
            return
        if self._revoke_commits is not None:
            self._revoke_commits.update(offsets)  # committed by _revoke before it returns
            return
        self._consumer.commit(offsets=_kafka_offsets(offsets))

    async def _revoke(
        self, partitions: list[TopicPartition], on_revoke: PartitionsCallback
    ) -> None:
        """Run `on_revoke` (on the IO thread), then await the commit it asked for."""
        self._revoke_commits = {}
        try:
            on_revoke(partitions)
            offsets = self._revoke_commits
        finally:
            self._revoke_commits = None
        if not offsets:
            return
        try:
            # One request, no retry: a failure means duplicates later, never a loss.
            await self._consumer.commit_async(offsets=_kafka_offsets(offsets))
        except Exception as error:
            log.warning("commit on revocation failed, records will be redelivered: %r", error)

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self._consumer.seek(KafkaTP(tp.topic, tp.partition), offset)

    def lag(self) -> dict[TopicPartition, int]:
        assigned = list(self._consumer.assignment())
        if not assigned:
            return {}
        ends = self._consumer.end_offsets(assigned)
        return {
            TopicPartition(tp.topic, tp.partition): max(0, ends[tp] - self._consumer.position(tp))
            for tp in assigned
        }

    def close(self) -> None:
        self._consumer.close(autocommit=False)


class KafkaTopicReader:
    """Reads a whole topic from the beginning without a group (the compacted watchlist)."""

    def __init__(self, bootstrap_servers: str, topic: str, client_id: str) -> None:
        self._consumer = KafkaConsumer(
            bootstrap_servers=_servers(bootstrap_servers),
            group_id=None,
            client_id=client_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        partitions = self._consumer.partitions_for_topic(topic) or set()
        if not partitions:
            raise RuntimeError(f"topic {topic} does not exist (run `tradewatch topics create`)")
        self._tps = [KafkaTP(topic, p) for p in sorted(partitions)]
        self._consumer.assign(self._tps)
        self._consumer.seek_to_beginning(*self._tps)
        self._end = self._consumer.end_offsets(self._tps)

    def poll(self, timeout_ms: int, max_records: int = 5000) -> list[Record]:
        batches = self._consumer.poll(timeout_ms=timeout_ms, max_records=max_records)
        return [_to_record(raw) for records in batches.values() for raw in records]

    def caught_up(self) -> bool:
        """True once every partition has been read to the end seen at start."""
        return all(self._consumer.position(tp) >= end for tp, end in self._end.items())

    def close(self) -> None:
        self._consumer.close(autocommit=False)


class KafkaAdmin:
    def __init__(self, bootstrap_servers: str, client_id: str = "tradewatch-admin") -> None:
        self._admin = KafkaAdminClient(
            bootstrap_servers=_servers(bootstrap_servers), client_id=client_id
        )

    def create_topics(self, topics: Sequence[Topic], prefix: str = "") -> list[str]:
        """Create what is missing; return the names created. Existing topics are left alone."""
        existing = set(self._admin.list_topics())
        created: list[str] = []
        for topic in topics:
            name = prefix + topic.name
            if name in existing:
                continue
            configs: dict[str, str] = {"cleanup.policy": topic.cleanup_policy}
            if topic.retention_ms is not None:
                configs["retention.ms"] = str(topic.retention_ms)
            new = NewTopic(name, topic.partitions, 1, topic_configs=configs)
            try:
                self._admin.create_topics([new], timeout_ms=30_000)
                created.append(name)
            except TopicAlreadyExistsError:
                pass
        return created

    def topic_config(self, name: str) -> dict[str, str]:
        """The topic's configuration as the broker reports it (name -> value)."""
        result = self._admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name)])
        entries = result.get("topic", {}).get(name, {})
        return {key: str(entry.get("value")) for key, entry in entries.items()}

    def delete_topics(self, names: Sequence[str]) -> None:
        self._admin.delete_topics(list(names), timeout_ms=30_000)

    def list_topics(self) -> set[str]:
        return set(self._admin.list_topics())

    def end_offsets(self, topic: str) -> dict[int, int]:
        """Partition -> the offset the next record will get (the log end)."""
        partitions = self._admin.describe_topic_partitions([topic])
        specs = {
            KafkaTP(topic, p["partition_index"]): OffsetSpec.LATEST
            for t in partitions["topics"]
            for p in t["partitions"]
        }
        offsets = self._admin.list_partition_offsets(specs)
        return {tp.partition: int(found.offset) for tp, found in offsets.items()}

    def committed_offsets(self, group_id: str, topic: str) -> dict[int, int]:
        """Partition -> the group's committed offset on `topic` (partitions never committed are
        absent)."""
        groups = self._admin.list_group_offsets({group_id: None})
        return {
            tp.partition: int(found.offset)
            for tp, found in groups.get(group_id, {}).items()
            if tp.topic == topic and found.offset >= 0
        }

    def close(self) -> None:
        self._admin.close()
