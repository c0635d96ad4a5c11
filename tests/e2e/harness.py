"""Traffic, faults and the checks of the fault suite.

What "nothing lost, nothing duplicated" means here, precisely:
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

import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
from sqlalchemy import text

from bench.processes import ROOT
from bench.stack import Stack
from bench.workload import Shipment, ShipmentFactory, plantable
from shared.kafka.adapter import KafkaTopicReader
from shared.kafka.records import Record
from shared.schemas.registry import ALERTS, DLQ_TOPICS, SHIPMENTS_SCREENED
from shared.watchlists.sources import read_entries

RETRY_PAUSE_S = 0.25
REQUEST_TIMEOUT_S = 45.0
DEMO_LIST = f"tradewatch-jsonl:{ROOT / 'tradewatch_cli/demo/data/demo_list.jsonl'}"

SHIPMENTS = 1000
BATCH = 20
PAUSE_S = 0.1
PLANTED_SHARE = 0.1
FAULT_AT_SHARE = 0.4
FLOW_TIMEOUT_S = 60.0
DRAIN_TIMEOUT_S = 150.0


class HttpFeeder(threading.Thread):
    """Posts the shipments to ingest in batches, each re-sent until ingest answers 202 with
    every record accepted: connection refused while ingest is down, 503 while the broker or the
    database is. That is what a sender does, and re-sending is safe (records keep their key)."""

    def __init__(
        self, url: str, api_key: str, shipments: Sequence[Shipment], batch: int, pause_s: float
    ) -> None:
        super().__init__(name="http-feeder", daemon=True)
        self._url = url
        self._headers = {"X-API-Key": api_key}
        self._batches = [
            [s.body for s in shipments[i : i + batch]] for i in range(0, len(shipments), batch)
        ]
        self._pause_s = pause_s
        self.acknowledged = 0
        self.resends = 0
        self.error: str | None = None

    def run(self) -> None:
        with httpx.Client(timeout=REQUEST_TIMEOUT_S) as client:
            for bodies in self._batches:
                if not self._send(client, bodies):
                    return
                self.acknowledged += len(bodies)
                time.sleep(self._pause_s)

    def _send(self, client: httpx.Client, bodies: list[dict[str, Any]]) -> bool:
        while True:
            try:
                response = client.post(self._url, json=bodies, headers=self._headers)
            except httpx.TransportError:
                response = None
            if response is not None and response.status_code == 202:
                if response.json()["rejected"]:
                    self.error = f"ingest rejected records: {response.text[:2000]}"
                    return False
                return True
            if response is not None and response.status_code not in (502, 503, 504):
                self.error = f"ingest answered {response.status_code}: {response.text[:2000]}"
                return False
            self.resends += 1
            time.sleep(RETRY_PAUSE_S)


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
    redelivered = sum(n - 1 for n in raised_records.values())
    if redelivered:
        # Allowed (at-least-once publication of one event id), reported for the record.
        print(f"alerts.v1: {redelivered} redelivered 'raised' records (same event id)")
    return problems


def local_server(component: str, action: str) -> None:
    """`deploy/local/<component>.sh <action>` (kafka or postgres), failing loudly."""
    script = ROOT / "deploy" / "local" / f"{component}.sh"
    subprocess.run([str(script), action], check=True, timeout=180)


def ensure_running(component: str) -> None:
    """Start the server if it is not running: other engineers' tests share it."""
    script = ROOT / "deploy" / "local" / f"{component}.sh"
    status = subprocess.run([str(script), "status"], capture_output=True, timeout=30)
    if status.returncode != 0:
        subprocess.run([str(script), "start"], check=True, timeout=180)


def make_shipments(tag: str) -> list[Shipment]:
    factory = ShipmentFactory(
        plantable(read_entries(DEMO_LIST)), planted_share=0.0, pool_size=500, source=f"e2e-{tag}"
    )
    every = round(1 / PLANTED_SHARE)
    return [factory.make(f"S{i:05d}", plant=i % every == 0) for i in range(SHIPMENTS)]


def run_with_fault(stack: Stack, fault: Callable[[], None], tag: str) -> None:
    """Feed, inject `fault` once ingest acknowledged FAULT_AT_SHARE of the shipments and alerting
    stored some, let everything drain, and assert that nothing was lost or duplicated."""
    shipments = make_shipments(tag)
    feeder = HttpFeeder(
        stack.services["ingest"].url("/v1/shipments"), stack.ingest_key, shipments, BATCH, PAUSE_S
    )
    feeder.start()
    deadline = time.monotonic() + FLOW_TIMEOUT_S
    while feeder.acknowledged < FAULT_AT_SHARE * SHIPMENTS or stored_count(stack) == 0:
        assert feeder.is_alive(), f"the feeder stopped: {feeder.error}\n{stack.log_tails()}"
        assert time.monotonic() < deadline, f"the stream never flowed\n{stack.log_tails()}"
        time.sleep(0.05)
    acknowledged_at_fault = feeder.acknowledged
    fault()
    feeder.join(DRAIN_TIMEOUT_S)
    assert feeder.error is None, feeder.error
    assert not feeder.is_alive(), "the feeder did not finish"
    assert acknowledged_at_fault < SHIPMENTS, "the fault came after the stream ended"

    seen = wait_drained(stack, shipments, DRAIN_TIMEOUT_S)
    problems = violations(stack, shipments, seen)
    restarts = {name: s.starts - 1 for name, s in stack.services.items()}
    print(f"fault at {acknowledged_at_fault}/{SHIPMENTS}; {feeder.resends} re-sends; {restarts}")
    assert not problems, "\n".join(problems) + "\n" + stack.log_tails()
