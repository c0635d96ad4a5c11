"""The loader on fakes: SQLite (as in the demo) and the in-memory bus."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

import shared.db.models  # noqa: F401  (registers every table)
from shared.db.base import Base
from shared.db.engine import make_engine, make_sessions
from shared.kafka.memory import MemoryBroker, MemoryProducer
from shared.kafka.records import Record
from shared.watchlists import repository
from shared.watchlists.load import load_list
from shared.watchlists.parsed import SourceError


@pytest.fixture
def fixtures() -> Path:
    """The small lists this project writes in each official format (tests/fixtures/lists)."""
    return Path(__file__).resolve().parents[2] / "fixtures" / "lists"


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """SQLite, as the one-process demo uses; the real PostgreSQL is in tests/integration."""
    engine = make_engine(f"sqlite:///{tmp_path / 'lists.db'}")
    Base.metadata.create_all(engine)
    yield make_sessions(engine)
    engine.dispose()


@pytest.fixture
def broker() -> MemoryBroker:
    return MemoryBroker()


TOPIC = "watchlist.entries.v1"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2024, 2, 23, 15, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def records(broker: MemoryBroker) -> list[Record]:
    return broker.records(TOPIC)


def by_key(found: list[Record]) -> dict[str, bytes | None]:
    return {r.key.decode(): r.value for r in found if r.key is not None}


def test_first_load_stores_a_version_and_publishes_every_entry(
    fixtures: Path, sessions: sessionmaker[Session], broker: MemoryBroker
) -> None:
    report = load_list(
        f"ofac-sdn:{fixtures / 'ofac-sdn'}", None, sessions, MemoryProducer(broker), TOPIC,
        clock=Clock(), progress=False,
    )  # fmt: skip
    assert report.status == "loaded" and report.version.startswith("v1-")
    assert report.added == ("1001", "1002", "1003", "1004", "47956")
    assert report.changed == () and report.removed == ()
    assert report.published == 5 and len(report.problems) == 3
    published = by_key(records(broker))
    assert set(published) == {f"us-ofac-sdn:{i}" for i in report.added}
    aurus = json.loads(published["us-ofac-sdn:47956"] or b"null")
    assert aurus["list"] == "us-ofac-sdn" and aurus["list_version"] == report.version
    assert {"type": "tax_id", "value": "7743237789", "country": "RU", "label": "Tax ID No."} in (
        aurus["identifiers"]
    )
    with sessions() as session:
        [info] = repository.list_summaries(session)
    assert info.version == report.version and info.entry_count == 5
    assert info.published_at is not None and info.problem_count == 3
    assert info.orphans == {"sdn_comments.csv": 1, "alt.csv": 1, "add.csv": 1}
    assert "sdn.csv:6: expected 12 fields" in report.summary()


def test_same_files_twice_change_nothing(
    fixtures: Path, sessions: sessionmaker[Session], broker: MemoryBroker
) -> None:
    spec, producer, clock = f"ofac-sdn:{fixtures / 'ofac-sdn'}", MemoryProducer(broker), Clock()
    first = load_list(spec, None, sessions, producer, TOPIC, clock=clock, progress=False)
    before = len(records(broker))
    again = load_list(spec, None, sessions, producer, TOPIC, clock=clock, progress=False)
    assert again.status == "unchanged" and again.published == 0
    assert again.version_id == first.version_id and again.version == first.version
    assert len(records(broker)) == before
    assert "unchanged" in again.summary()


def test_a_new_version_publishes_the_diff_and_tombstones_removed_entries(
    fixtures: Path, sessions: sessionmaker[Session], broker: MemoryBroker
) -> None:
    producer, clock = MemoryProducer(broker), Clock()
    load_list(f"ofac-sdn:{fixtures / 'ofac-sdn'}", None, sessions, producer, TOPIC, clock=clock)
    before = {(r.partition, r.offset) for r in records(broker)}
    # v2 keeps the same aux files: 1003 delisted, 47956 gains an IMO, 2001 newly listed.
    spec = f"ofac-sdn:{fixtures / 'ofac-sdn-v2'},{fixtures / 'ofac-sdn' / 'alt.csv'}"
    spec += f",{fixtures / 'ofac-sdn' / 'add.csv'},{fixtures / 'ofac-sdn' / 'sdn_comments.csv'}"
    report = load_list(spec, None, sessions, producer, TOPIC, clock=clock, progress=False)
    assert report.version.startswith("v2-")
    assert (report.added, report.changed, report.removed) == (("2001",), ("47956",), ("1003",))
    new = by_key([r for r in records(broker) if (r.partition, r.offset) not in before])
    assert set(new) == {"us-ofac-sdn:2001", "us-ofac-sdn:47956", "us-ofac-sdn:1003"}
    assert new["us-ofac-sdn:1003"] is None  # tombstone
    aurus = json.loads(new["us-ofac-sdn:47956"] or b"null")
    assert {"type": "imo", "value": "1234567", "country": None, "label": "IMO"} in (
        aurus["identifiers"]
    )
    with sessions() as session:
        changed = repository.changed_entries(session, report.version_id)
        current = repository.current_entries(session, ["us-ofac-sdn"])
        found = repository.find_version(session, "us-ofac-sdn", report.version)
    assert sorted(e.entry_id for e in changed) == ["2001", "47956"]
    assert all(e.list_version == report.version for e in changed)
    assert sorted(e.entry_id for e in current) == ["1001", "1002", "1004", "2001", "47956"]
    assert found is not None and (found.added_count, found.changed_count, found.removed_count) == (
        1,
        1,
        1,
    )


def test_reloading_an_older_file_diffs_against_the_latest_version(
    fixtures: Path, sessions: sessionmaker[Session], broker: MemoryBroker
) -> None:
    producer, clock = MemoryProducer(broker), Clock()
    v1, v2 = f"ofac-sdn:{fixtures / 'ofac-sdn' / 'sdn.csv'}", f"ofac-sdn:{fixtures / 'ofac-sdn-v2'}"
    load_list(v1, None, sessions, producer, TOPIC, clock=clock, progress=False)
    load_list(v2, None, sessions, producer, TOPIC, clock=clock, progress=False)
    back = load_list(v1, None, sessions, producer, TOPIC, clock=clock, progress=False)
    assert back.status == "loaded" and back.version.startswith("v3-")
    assert (back.added, back.changed, back.removed) == (("1003",), ("47956",), ("2001",))


def test_a_failed_publish_is_finished_by_the_next_run(
    fixtures: Path, sessions: sessionmaker[Session], broker: MemoryBroker
) -> None:
    producer, clock = MemoryProducer(broker), Clock()
    spec = f"ofac-sdn:{fixtures / 'ofac-sdn'}"
    producer.fail_next = RuntimeError("broker down")
    with pytest.raises(RuntimeError, match="broker down"):
        load_list(spec, None, sessions, producer, TOPIC, clock=clock, progress=False)
    with sessions() as session:
        [info] = repository.list_summaries(session)
    assert info.published_at is None  # stored, not acknowledged
    again = load_list(spec, None, sessions, producer, TOPIC, clock=clock, progress=False)
    assert again.status == "unchanged" and again.published == 5
    assert len(by_key(records(broker))) == 5
    with sessions() as session:
        [info] = repository.list_summaries(session)
    assert info.published_at is not None


def test_jsonl_list_named_by_the_file_or_the_option(
    fixtures: Path, sessions: sessionmaker[Session], broker: MemoryBroker
) -> None:
    spec = f"tradewatch-jsonl:{fixtures / 'tradewatch-jsonl' / 'demo.jsonl'}"
    producer = MemoryProducer(broker)
    named = load_list(spec, None, sessions, producer, TOPIC, progress=False)
    chosen = load_list(spec.replace("demo", "demo"), "tw-other", sessions, producer, TOPIC)
    assert named.list_id == "tw-demo" and named.added == ("d-1", "d-2", "d-6")
    # Lines naming "tw-demo" conflict with --list-id tw-other: reported, the rest loads.
    assert chosen.list_id == "tw-other" and chosen.added == ("d-6",)
    assert "tw-other:d-6" in by_key(records(broker))


def test_a_file_with_no_valid_entry_loads_nothing(
    tmp_path: Path, sessions: sessionmaker[Session], broker: MemoryBroker
) -> None:
    path = tmp_path / "sdn.csv"
    path.write_bytes(b'1,"ONLY",-0-\r\n\x1a')
    with pytest.raises(SourceError, match="no valid entry"):
        load_list(f"ofac-sdn:{path}", None, sessions, MemoryProducer(broker), TOPIC)
    with sessions() as session:
        assert repository.list_summaries(session) == []
    assert records(broker) == []
