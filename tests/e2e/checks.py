"""The checks of the fault suite. "Nothing lost, nothing duplicated" means, precisely:
- every shipment acknowledged by ingest (202) is on `shipments.screened.v1` (redelivered copies
  are allowed: at-least-once) and stored once in the `shipments` table;
- every planted sanctioned party has its alert, under the contract's id
  `alert_id(shipment key, list, entry)`;
- one alert row per (shipment, list, entry) and exactly one `raised` line in its history;
- on `alerts.v1`, each alert has exactly one `raised` event id (the outbox may publish the same
  event again after a crash: same event id, consumers dedupe on it; we count such redeliveries),
  every event names an alert in the database, and there is no `updated` event at all, because
  replaying a screening changes no evidence;
- the outbox is drained and no record went to a DLQ.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import orjson
from sqlalchemy import text

from bench.stack import Stack
from bench.workload import Shipment
from shared.kafka.adapter import KafkaTopicReader
from shared.kafka.records import Record
from shared.schemas.registry import ALERTS, DLQ_TOPICS, SHIPMENTS_SCREENED


def read_topic(stack: Stack, name: str) -> list[Record]:
    """Every record of the stack's topic `name`, from the beginning to the end seen at start."""
    reader = KafkaTopicReader(
        stack.config.bootstrap_servers, stack.topic(name), "tradewatch-e2e-reader"
    )
    records: list[Record] = []
    try:
        while not reader.caught_up():
            records.extend(reader.poll(500))
    finally:
        reader.close()
    return records


@dataclass
class Observation:
    stored_keys: Counter[str] = field(default_factory=Counter)
    alerts: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    """alert_id -> (shipment_key, list_id, entry_id)"""
    raised_history: Counter[str] = field(default_factory=Counter)
    unpublished: int = 0

    def missing_alerts(self, shipments: Sequence[Shipment]) -> list[str]:
        return [
            s.key
            for s in shipments
            if s.expected_alert_id is not None and s.expected_alert_id not in self.alerts
        ]

    def drained(self, shipments: Sequence[Shipment]) -> bool:
        return (
            all(s.key in self.stored_keys for s in shipments)
            and not self.missing_alerts(shipments)
            and self.unpublished == 0
        )


def observe_database(stack: Stack) -> Observation:
    seen = Observation()
    with stack.engine.connect() as conn:
        seen.stored_keys.update(
            row[0] for row in conn.execute(text("SELECT shipment_key FROM shipments"))
        )
        for alert_id, key, list_id, entry_id in conn.execute(
            text("SELECT alert_id, shipment_key, list_id, entry_id FROM alerts")
        ):
            seen.alerts[alert_id] = (key, list_id, entry_id)
        seen.raised_history.update(
            row[0]
            for row in conn.execute(
                text("SELECT alert_id FROM alert_history WHERE action = 'raised'")
            )
        )
        unpublished = conn.execute(
            text("SELECT count(*) FROM alert_outbox WHERE published_at IS NULL")
        ).scalar_one()
        seen.unpublished = int(unpublished)
    return seen


def wait_drained(stack: Stack, shipments: Sequence[Shipment], timeout_s: float) -> Observation:
    """Poll the database until every shipment is stored, every planted alert raised and the
    outbox empty (restarting any service that exited, as a supervisor would)."""
    deadline = time.monotonic() + timeout_s
    seen = Observation()
    while time.monotonic() < deadline:
        stack.revive()
        try:
            seen = observe_database(stack)
        except Exception:  # the database may be restarting: ask again
            time.sleep(0.5)
            continue
        if seen.drained(shipments):
            return seen
        time.sleep(0.5)
    return seen


def stored_count(stack: Stack) -> int:
    """Shipments alerting has stored; 0 while the database does not answer."""
    try:
        with stack.engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM shipments")).scalar_one())
    except Exception:
        return 0


def violations(stack: Stack, shipments: Sequence[Shipment], seen: Observation) -> list[str]:
    """Every broken promise, in words (empty when the run lost and duplicated nothing)."""
    problems: list[str] = []
    keys = {s.key for s in shipments}
    screened = Counter(r.key.decode() for r in read_topic(stack, SHIPMENTS_SCREENED.name) if r.key)
    # Allowed (at-least-once), and the sign that a fault made a stage redo work: reported.
    print(f"shipments.screened.v1: {sum(screened.values()) - len(screened)} redelivered records")
    lost = sorted(keys - set(screened))
    if lost:
        problems.append(f"{len(lost)} shipments never reached shipments.screened.v1: {lost[:10]}")
    not_stored = sorted(keys - set(seen.stored_keys))
    if not_stored:
        problems.append(f"{len(not_stored)} shipments not stored by alerting: {not_stored[:10]}")
    missing = seen.missing_alerts(shipments)
    if missing:
        problems.append(f"{len(missing)} expected alerts missing, shipments {missing[:10]}")
    per_subject = Counter(seen.alerts.values())
    doubled = [subject for subject, count in per_subject.items() if count > 1]
    if doubled:
        problems.append(f"several alerts for one (shipment, list, entry): {doubled[:10]}")
    raised_twice = {a: n for a, n in seen.raised_history.items() if n != 1}
    if raised_twice or set(seen.raised_history) != set(seen.alerts):
        problems.append(f"alerts without exactly one 'raised' history line: {raised_twice}")
    if seen.unpublished:
        problems.append(f"{seen.unpublished} alert events never left the outbox")
    problems.extend(_event_violations(stack, seen))
    for dlq in DLQ_TOPICS:
        dead = read_topic(stack, dlq.name)
        if dead:
            problems.append(f"{len(dead)} records in {dlq.name}, e.g. {dead[0].headers}")
    return problems


def _event_violations(stack: Stack, seen: Observation) -> list[str]:
    raised_ids: dict[str, set[str]] = {}
    raised_records: Counter[str] = Counter()
    problems: list[str] = []
    for record in read_topic(stack, ALERTS.name):
        event = orjson.loads(record.value or b"{}")
        alert = str(event.get("alert_id"))
        if alert not in seen.alerts:
            problems.append(f"alerts.v1 names an alert not in the database: {alert}")
        if event.get("event") == "raised":
            raised_ids.setdefault(alert, set()).add(str(event.get("event_id")))
            raised_records[alert] += 1
        else:
            problems.append(f"unexpected {event.get('event')!r} event for {alert}: {event}")
    for alert in seen.alerts:
        ids = raised_ids.get(alert, set())
        if len(ids) != 1:
            problems.append(f"alert {alert} has {len(ids)} distinct 'raised' events: {ids}")
    redelivered = sum(n - len(raised_ids[alert]) for alert, n in raised_records.items())
    if redelivered:
        # Allowed (at-least-once publication of one event id), reported for the record.
        print(f"alerts.v1: {redelivered} redelivered 'raised' records (same event id)")
    return problems
