"""The demo's bus: the in-memory one by default, or a real Kafka with a fresh topic prefix."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from shared.kafka.adapter import (
    KafkaAdmin,
    KafkaConsumerAdapter,
    KafkaProducerAdapter,
    KafkaTopicReader,
)
from shared.kafka.memory import MemoryBroker, MemoryConsumer, MemoryProducer
from shared.kafka.records import Consumer, Producer, Record
from shared.schemas.registry import ALL_TOPICS


class Bus:
    prefix: str = ""
    name: str = ""

    def producer(self) -> Producer:
        raise NotImplementedError

    def consumer(self, group: str) -> Consumer:
        raise NotImplementedError

    def read(self, topic: str) -> list[Record]:
        """Every record of `topic` from the beginning."""
        raise NotImplementedError

    def close(self) -> None:
        return None


@dataclass
class MemoryBus(Bus):
    broker: MemoryBroker = field(default_factory=MemoryBroker)
    name: str = "in-memory bus"

    def producer(self) -> Producer:
        return MemoryProducer(self.broker)

    def consumer(self, group: str) -> Consumer:
        return MemoryConsumer(self.broker, group)

    def read(self, topic: str) -> list[Record]:
        return self.broker.records(topic)


class KafkaBus(Bus):
    """Real Kafka; a fresh topic prefix per run keeps demos apart from each other and from
    the services' own topics."""

    def __init__(self, bootstrap_servers: str) -> None:
        self.servers = bootstrap_servers
        self.prefix = f"demo-{uuid.uuid4().hex[:8]}-"
        self.name = f"Kafka at {bootstrap_servers} (topics {self.prefix}*)"
        admin = KafkaAdmin(bootstrap_servers)
        try:
            admin.create_topics(ALL_TOPICS, prefix=self.prefix)
        finally:
            admin.close()
        self._producers: list[KafkaProducerAdapter] = []

    def producer(self) -> Producer:
        producer = KafkaProducerAdapter(self.servers, "tradewatch-demo")
        self._producers.append(producer)
        return producer

    def consumer(self, group: str) -> Consumer:
        return KafkaConsumerAdapter(self.servers, self.prefix + group, "tradewatch-demo")

    def read(self, topic: str) -> list[Record]:
        reader = KafkaTopicReader(self.servers, topic, "tradewatch-demo-reader")
        found: list[Record] = []
        try:
            while not reader.caught_up():
                found.extend(reader.poll(500))
        finally:
            reader.close()
        return found

    def close(self) -> None:
        for producer in self._producers:
            producer.close(10)
