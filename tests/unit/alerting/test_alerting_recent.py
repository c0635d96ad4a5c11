"""What an alerting worker remembers of the counterparties it stored."""

from datetime import UTC, datetime, timedelta

from services.alerting.recent import RecentCounterparties
from shared.db.models.shipments import COUNTERPARTY_DATE_SLACK

NOW = datetime(2024, 2, 23, 10, tzinfo=UTC)
SLACK = COUNTERPARTY_DATE_SLACK


def stored(recent: RecentCounterparties, *ids: str, declared: datetime = NOW) -> None:
    recent.stage(((cp, declared) for cp in ids), NOW)
    recent.committed()


def test_only_committed_writes_count() -> None:
    recent = RecentCounterparties()
    recent.stage([("a", NOW)], NOW)
    assert not recent.covers("a", NOW, NOW)
    recent.committed()
    assert recent.covers("a", NOW, NOW)


def test_a_stored_row_covers_shipments_and_times_within_the_slack_only() -> None:
    recent = RecentCounterparties()
    stored(recent, "a")
    assert recent.covers("a", NOW - timedelta(days=30), NOW)
    assert recent.covers("a", NOW + SLACK, NOW)
    assert not recent.covers("a", NOW + SLACK + timedelta(seconds=1), NOW)
    assert recent.covers("a", NOW, NOW + SLACK)
    assert not recent.covers("a", NOW, NOW + SLACK + timedelta(seconds=1))
    assert not recent.covers("b", NOW, NOW)


def test_a_later_write_never_moves_what_is_remembered_back() -> None:
    recent = RecentCounterparties()
    stored(recent, "a", declared=NOW + timedelta(days=2))
    stored(recent, "a", declared=NOW)
    assert recent.covers("a", NOW + timedelta(days=2), NOW)


def test_a_failed_transaction_forgets_everything() -> None:
    recent = RecentCounterparties()
    stored(recent, "a")
    recent.stage([("b", NOW)], NOW)
    recent.forget()
    recent.committed()
    assert not recent.covers("a", NOW, NOW)
    assert not recent.covers("b", NOW, NOW)


def test_it_stays_within_its_capacity_and_keeps_the_newest() -> None:
    recent = RecentCounterparties(capacity=100)
    for number in range(1_000):
        stored(recent, f"cp{number}")
    assert len(recent) <= 100
    assert recent.covers("cp999", NOW, NOW)
    assert recent.covers("cp950", NOW, NOW)
    assert not recent.covers("cp0", NOW, NOW)
