"""`tradewatch topics create|list`: the topic registry made real on the broker."""

from __future__ import annotations

import argparse

from shared.config import Settings
from shared.kafka.adapter import KafkaAdmin
from shared.schemas.registry import ALL_TOPICS


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("topics", help="create or list the Kafka topics")
    actions = parser.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="create missing topics (idempotent)")
    create.set_defaults(run=create_topics)
    listing = actions.add_parser("list", help="list the registry and whether each topic exists")
    listing.set_defaults(run=list_topics)


def create_topics(args: argparse.Namespace, settings: Settings) -> int:
    admin = KafkaAdmin(settings.kafka_bootstrap_servers)
    try:
        created = admin.create_topics(ALL_TOPICS, prefix=settings.topic_prefix)
    finally:
        admin.close()
    for topic in ALL_TOPICS:
        name = settings.topic_prefix + topic.name
        state = "created" if name in created else "exists"
        print(f"{state:8} {name} ({topic.partitions} partitions, {topic.cleanup_policy})")
    return 0


def list_topics(args: argparse.Namespace, settings: Settings) -> int:
    admin = KafkaAdmin(settings.kafka_bootstrap_servers)
    try:
        existing = admin.list_topics()
    finally:
        admin.close()
    for topic in ALL_TOPICS:
        name = settings.topic_prefix + topic.name
        mark = "yes" if name in existing else "MISSING"
        print(f"{name:32} key={topic.key:20} {topic.cleanup_policy:8} exists={mark}")
    return 0
