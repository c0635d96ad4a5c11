"""`tradewatch lists load` against the real PostgreSQL and Kafka: versions, diffs, tombstones."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.db.engine import make_engine, make_sessions
from shared.kafka.adapter import KafkaAdmin, KafkaProducerAdapter, KafkaTopicReader
from shared.kafka.records import Record
from shared.schemas.registry import WATCHLIST_ENTRIES
from shared.watchlists import repository
from shared.watchlists.load import load_list
from tradewatch_cli.main import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lists"
READ_TIMEOUT_S = 30.0


@pytest.fixture
def entries_topic(kafka_bootstrap: str, topic_prefix: str) -> Iterator[str]:
    admin = KafkaAdmin(kafka_bootstrap, client_id="tradewatch-tests-lists")
    admin.create_topics([WATCHLIST_ENTRIES], prefix=topic_prefix)
    name = topic_prefix + WATCHLIST_ENTRIES.name
    yield name
    admin.delete_topics([name])
    admin.close()


def read_topic(bootstrap: str, topic: str) -> list[Record]:
    reader = KafkaTopicReader(bootstrap, topic, client_id=f"tests-{uuid.uuid4().hex[:6]}")
    found: list[Record] = []
    deadline = time.monotonic() + READ_TIMEOUT_S
    try:
        while not reader.caught_up():
            assert time.monotonic() < deadline, f"{topic} not read to its end in time"
            found.extend(reader.poll(timeout_ms=500))
    finally:
        reader.close()
    return found


def keyed(records: list[Record]) -> dict[str, bytes | None]:
    return {r.key.decode(): r.value for r in records if r.key is not None}


def test_load_reload_and_new_version_on_postgres_and_kafka(
    fresh_database: str,
    kafka_bootstrap: str,
    topic_prefix: str,
    entries_topic: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TRADEWATCH_DATABASE_URL", fresh_database)
    monkeypatch.setenv("TRADEWATCH_KAFKA_BOOTSTRAP_SERVERS", kafka_bootstrap)
    monkeypatch.setenv("TRADEWATCH_TOPIC_PREFIX", topic_prefix)
    v1 = f"ofac-sdn:{FIXTURES / 'ofac-sdn'}"

    # 1. The CLI loads the fixture list: one record per entry, keyed list:entry_id.
    assert main(["lists", "load", v1, "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "us-ofac-sdn: loaded version v1-" in out and "sdn.csv:6: expected 12 fields" in out
    first = read_topic(kafka_bootstrap, entries_topic)
    assert sorted(keyed(first)) == [
        "us-ofac-sdn:1001",
        "us-ofac-sdn:1002",
        "us-ofac-sdn:1003",
        "us-ofac-sdn:1004",
        "us-ofac-sdn:47956",
    ]
    assert len(first) == 5
    aurus = json.loads(keyed(first)["us-ofac-sdn:47956"] or b"null")
    assert aurus["entry_id"] == "47956" and aurus["list_version"].startswith("v1-")
    assert {(i["type"], i["value"]) for i in aurus["identifiers"]} == {
        ("tax_id", "7743237789"),
        ("registration", "5177746340998"),
    }

    # 2. The same files again: unchanged, nothing published.
    engine = make_engine(fresh_database)
    sessions = make_sessions(engine)
    producer = KafkaProducerAdapter(kafka_bootstrap, "tests-lists")
    try:
        again = load_list(v1, None, sessions, producer, entries_topic, progress=False)
        assert again.status == "unchanged" and again.published == 0
        assert len(read_topic(kafka_bootstrap, entries_topic)) == len(first)

        # 3. A changed version: a tombstone for the removed entry, the changed one republished.
        v2 = f"ofac-sdn:{FIXTURES / 'ofac-sdn-v2'},{FIXTURES / 'ofac-sdn' / 'alt.csv'}"
        v2 += f",{FIXTURES / 'ofac-sdn' / 'add.csv'},{FIXTURES / 'ofac-sdn' / 'sdn_comments.csv'}"
        report = load_list(v2, None, sessions, producer, entries_topic, progress=False)
    finally:
        producer.close(10.0)
    assert (report.added, report.changed, report.removed) == (("2001",), ("47956",), ("1003",))
    records = read_topic(kafka_bootstrap, entries_topic)
    assert len(records) == len(first) + 3
    seen = {(r.partition, r.offset) for r in first}
    new = keyed([r for r in records if (r.partition, r.offset) not in seen])
    assert set(new) == {"us-ofac-sdn:1003", "us-ofac-sdn:2001", "us-ofac-sdn:47956"}
    assert new["us-ofac-sdn:1003"] is None
    changed = json.loads(new["us-ofac-sdn:47956"] or b"null")
    assert changed["list_version"] == report.version
    assert ("imo", "1234567") in {(i["type"], i["value"]) for i in changed["identifiers"]}

    # The database knows the versions, their freshness and what each one changed.
    with sessions() as session:
        [latest] = repository.list_summaries(session)
        added_or_changed = repository.changed_entries(session, report.version_id)
    engine.dispose()
    assert latest.version == report.version and latest.seq == 2
    assert latest.published_at is not None and latest.entry_count == 5
    assert sorted(e.entry_id for e in added_or_changed) == ["2001", "47956"]
    assert main(["lists", "show"]) == 0
    assert report.version in capsys.readouterr().out
