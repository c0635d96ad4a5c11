"""The ceiling of this machine: the same records through the same hops, doing no work.

Hop 1 is the producer (the benchmark's feeder, ingest's place), hops 2 and 3 are relays (the
places of enrichment and alerting), each its own process running the project's consumer loop on
the project's Kafka adapter (kafka-python, the services' settings: acks=all, idempotence, manual
commits about once a second) with a handler that passes each record on unchanged:

    feeder -> null.in -> relay 1 -> null.mid -> relay 2 -> null.out

Each relay produces every record it reads, where alerting produces only the alerts: the null
pipeline does no less Kafka work than the real one.

    python -m bench.null_pipeline relay IN_TOPIC OUT_TOPIC GROUP_ID   (one relay; the harness
                                                                         starts these)
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from bench.pipeline import Stage
from bench.processes import ServiceProcess
from shared.config import load_settings
from shared.heap import settle_heap
from shared.kafka.adapter import KafkaAdmin, KafkaConsumerAdapter, KafkaProducerAdapter
from shared.kafka.loop import BatchHandler, BatchResult, ConsumerLoop, LoopConfig
from shared.kafka.records import Output, Record
from shared.schemas.registry import SHIPMENTS_INGESTED, Topic

HOPS = ("in", "mid", "out")


def pass_through(out_topic: str) -> BatchHandler:
    def handle(records: Sequence[Record]) -> BatchResult:
        return BatchResult(
            outputs=[
                Output(
                    out_topic,
                    r.key.decode() if r.key is not None else None,
                    r.value,
                    r.headers,
                )
                for r in records
            ]
        )

    return handle


def run_relay(in_topic: str, out_topic: str, group_id: str) -> int:
    settings = load_settings()
    client = f"tradewatch-null-{group_id}"
    producer = KafkaProducerAdapter(settings.kafka_bootstrap_servers, client)
    consumer = KafkaConsumerAdapter(settings.kafka_bootstrap_servers, group_id, client)
    config = LoopConfig(
        service="null",
        topics=[in_topic],
        dlq_topic=f"{out_topic}.dlq",
        poll_timeout_ms=settings.poll_timeout_ms,
        max_poll_records=settings.max_poll_records,
        commit_interval_ms=settings.commit_interval_ms,
    )
    loop = ConsumerLoop(consumer, producer, pass_through(out_topic), config)

    def stop(signum: int, frame: FrameType | None) -> None:
        loop.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    settle_heap()  # as the services do
    try:
        loop.run()
    finally:
        producer.flush(30.0)
        producer.close(30.0)
    return 0


class NullPipeline:
    """Topics `<prefix>null.{in,mid,out}` (partitioned like shipments.ingested.v1) and two relay
    processes; `close()` stops them and deletes the topics."""

    def __init__(self, bootstrap_servers: str, log_dir: Path) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.prefix = f"null-{uuid.uuid4().hex[:8]}-"
        self.topics = {hop: f"{self.prefix}null.{hop}" for hop in HOPS}
        self.stages = [
            Stage(f"relay {n}", f"{self.prefix}relay-{n}", self.topics[source])
            for n, source in ((1, "in"), (2, "mid"))
        ]
        env = {"TRADEWATCH_KAFKA_BOOTSTRAP_SERVERS": bootstrap_servers, "PYTHONUNBUFFERED": "1"}
        self.relays = [
            ServiceProcess(
                stage.name,
                [
                    sys.executable,
                    "-m",
                    "bench.null_pipeline",
                    "relay",
                    stage.topic,
                    out,
                    stage.group_id,
                ],
                {**os.environ, **env},
                None,
                log_dir / f"{stage.name.replace(' ', '-')}.log",
            )
            for stage, out in zip(
                self.stages, (self.topics["mid"], self.topics["out"]), strict=True
            )
        ]

    @property
    def in_topic(self) -> str:
        return self.topics["in"]

    def start(self) -> None:
        admin = KafkaAdmin(self.bootstrap_servers, client_id="tradewatch-bench-null")
        try:
            admin.create_topics(
                [
                    Topic(
                        name=f"null.{hop}",
                        key="",
                        model=None,
                        producer="bench",
                        partitions=SHIPMENTS_INGESTED.partitions,
                    )
                    for hop in HOPS
                ],
                prefix=self.prefix,
            )
        finally:
            admin.close()
        for relay in self.relays:
            relay.start()

    def pids(self) -> dict[str, int | None]:
        return {relay.name: relay.pid for relay in self.relays}

    def close(self) -> None:
        for relay in self.relays:
            relay.stop(timeout_s=15.0)
        admin = KafkaAdmin(self.bootstrap_servers, client_id="tradewatch-bench-null")
        try:
            admin.delete_topics(list(self.topics.values()))
        finally:
            admin.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.null_pipeline")
    actions = parser.add_subparsers(dest="action", required=True)
    relay = actions.add_parser("relay", help="pass IN_TOPIC's records to OUT_TOPIC unchanged")
    relay.add_argument("in_topic")
    relay.add_argument("out_topic")
    relay.add_argument("group_id")
    args = parser.parse_args(argv)
    return run_relay(args.in_topic, args.out_topic, args.group_id)


if __name__ == "__main__":
    sys.exit(main())
