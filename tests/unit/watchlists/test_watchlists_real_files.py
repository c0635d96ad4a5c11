"""The parsers and the loader on the real OFAC files in shared/data (read there, never copied)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

import shared.db.models  # noqa: F401  (registers every table)
from shared.config import Settings
from shared.db.base import Base
from shared.db.engine import make_engine, make_sessions
from shared.kafka.memory import MemoryBroker, MemoryProducer
from shared.watchlists import repository
from shared.watchlists.load import load_list
from shared.watchlists.sources import read_list


@pytest.fixture(scope="session")
def ofac_data() -> Path:
    """The real OFAC files (shared/data; TRADEWATCH_SANCTIONS_DATA_DIR): never skipped."""
    path = Settings().sanctions_data_dir / "sanctions" / "ofac"
    assert path.is_dir(), f"reference data missing at {path}"
    return path


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


def test_sdn_2024_05_03_with_2025_12_aux_files(ofac_data: Path) -> None:
    spec = f"ofac-sdn:{ofac_data / 'sdn-2024-05-03'},{ofac_data / 'sdn-aux-2025-12'}"
    result = read_list(spec)
    assert result.rows == 14_965 and len(result.entries) == 14_965 and result.problems == []
    kinds: dict[str, int] = {}
    for entry in result.entries:
        kinds[entry.kind] = kinds.get(entry.kind, 0) + 1
    assert kinds == {"organization": 6884, "person": 6854, "vessel": 851, "aircraft": 376}
    # The aux files are newer than sdn.csv: some rows name entities it does not have.
    assert result.orphans["alt.csv"] > 0 and result.orphans["add.csv"] > 0
    aurus = next(e for e in result.entries if e.entry_id == "47956")
    assert aurus.name == "LIMITED LIABILITY COMPANY AURUS"
    assert aurus.programs == ["RUSSIA-EO14024"] and aurus.countries == ["RU"]
    assert {(i.type, i.value) for i in aurus.identifiers} == {
        ("tax_id", "7743237789"),
        ("registration", "5177746340998"),
    }
    assert aurus.addresses and "Alabuga" in (aurus.addresses[0].text or "")
    assert sum(len(e.aliases) for e in result.entries) > 20_000
    assert sum(1 for e in result.entries for i in e.identifiers if i.type == "imo") > 800


def test_history_diff_lists_aurus_as_added_on_2024_02_23(
    ofac_data: Path, sessions: sessionmaker[Session], broker: MemoryBroker
) -> None:
    producer, topic = MemoryProducer(broker), "watchlist.entries.v1"
    history = ofac_data / "sdn-history"
    before = load_list(
        f"ofac-sdn:{history / 'sdn_2024-02-20.csv'}", "us-ofac-sdn", sessions, producer, topic,
        progress=False,
    )  # fmt: skip
    after = load_list(
        f"ofac-sdn:{history / 'sdn_2024-02-23.csv'}", "us-ofac-sdn", sessions, producer, topic,
        progress=False,
    )  # fmt: skip
    assert before.entry_count == 13_931 and "47956" not in before.added
    assert after.entry_count == 14_484
    assert "47956" in after.added
    # The file grew by 553 rows; every new row is an added entry, none vanished.
    assert len(after.added) == 14_484 - 13_931 and after.removed == ()
    assert after.published == len(after.added) + len(after.changed)
    with sessions() as session:
        added = {e.entry_id: e for e in repository.changed_entries(session, after.version_id)}
    assert added["47956"].list_version == after.version
    assert ("tax_id", "7743237789") in {(i.type, i.value) for i in added["47956"].identifiers}
