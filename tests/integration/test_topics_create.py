"""`tradewatch topics create` makes every registry topic, idempotently, the watchlist compacted."""

from __future__ import annotations

import os
import subprocess
import sys

from shared.kafka.adapter import KafkaAdmin
from shared.schemas.registry import ALL_TOPICS, WATCHLIST_ENTRIES


def create(kafka_bootstrap: str, prefix: str) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        TRADEWATCH_KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap,
        TRADEWATCH_TOPIC_PREFIX=prefix,
    )
    return subprocess.run(
        [sys.executable, "-m", "tradewatch_cli.main", "topics", "create"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_topics_create_is_idempotent_and_compacts_the_watchlist(
    kafka_bootstrap: str, topic_prefix: str
) -> None:
    first = create(kafka_bootstrap, topic_prefix)
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("created") == len(ALL_TOPICS)
    second = create(kafka_bootstrap, topic_prefix)
    assert second.returncode == 0, second.stderr
    assert "created" not in second.stdout and second.stdout.count("exists") == len(ALL_TOPICS)

    admin = KafkaAdmin(kafka_bootstrap)
    try:
        names = {topic_prefix + t.name for t in ALL_TOPICS}
        assert names <= admin.list_topics()
        watchlist = admin.topic_config(topic_prefix + WATCHLIST_ENTRIES.name)
        shipments = admin.topic_config(topic_prefix + "shipments.ingested.v1")
        admin.delete_topics(sorted(names))
    finally:
        admin.close()
    assert watchlist["cleanup.policy"] == "compact"
    assert shipments["cleanup.policy"] == "delete"
