"""Alerting against the real Kafka and PostgreSQL, run as `python -m services.alerting`.

Each test gets its own database (created, migrated, dropped), topic prefix and consumer group.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from kafka import KafkaAdminClient, KafkaConsumer
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, create_engine, func, select

from shared.db.api_keys import create_api_key
from shared.db.engine import make_sessions
from shared.db.models import Alert
from shared.kafka.adapter import KafkaAdmin, KafkaProducerAdapter, KafkaTopicReader
from shared.kafka.records import Output, Record
from shared.schemas import AlertEvent, ScreenedShipment
from shared.schemas.registry import ALERTS, ALL_TOPICS, SHIPMENTS_SCREENED

ROOT = Path(__file__).resolve().parents[2]
POSTGRES_SH = ROOT / "deploy" / "local" / "postgres.sh"


def wait_for(what: str, check: Callable[[], bool], timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(0.2)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# fixtures ----------------------------------------------------------------------------------


@pytest.fixture
def database(fresh_database: str) -> str:
    """A fresh, migrated database: the service's outbox publisher owns all of its rows."""
    return fresh_database


@pytest.fixture
def engine(database: str) -> Iterator[Engine]:
    built = create_engine(database, pool_pre_ping=True)
    yield built
    built.dispose()


@pytest.fixture
def topics(kafka_bootstrap: str, topic_prefix: str) -> Iterator[str]:
    admin = KafkaAdmin(kafka_bootstrap)
    admin.create_topics(ALL_TOPICS, prefix=topic_prefix)
    # A group that joins before the broker has the new topic's metadata can sit in a
    # rebalance for minutes (kafka-python): start the service only once the topics are visible.
    probe = KafkaConsumer(bootstrap_servers=kafka_bootstrap, client_id="alerting-test-probe")
    names = [topic_prefix + t.name for t in (SHIPMENTS_SCREENED, ALERTS)]
    try:
        wait_for("topic metadata", lambda: all(probe.partitions_for_topic(n) for n in names))
    finally:
        probe.close()
    yield topic_prefix
    admin.delete_topics([topic_prefix + t.name for t in ALL_TOPICS])
    admin.close()


@dataclass
class Service:
    """`python -m services.alerting` as a child process."""

    env: dict[str, str]
    port: int
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "services.alerting"],
            cwd=ROOT,
            env={**os.environ, **self.env, **self.extra_env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()  # the child has its own descriptor
        wait_for("the service to be ready", self._ready, 90)

    def _ready(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"alerting exited {self.proc.returncode}:\n{self.log_tail()}")
        try:
            return httpx.get(f"{self.base_url}/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def metric(self, name: str, **labels: str) -> float:
        """The sum of the samples called `name` whose labels include `labels`."""
        text = httpx.get(f"{self.base_url}/metrics", timeout=5).text
        return sum(
            sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == name and labels.items() <= sample.labels.items()
        )


@pytest.fixture
def service(kafka_bootstrap: str, topics: str, database: str, tmp_path: Path) -> Iterator[Service]:
    env = {
        "TRADEWATCH_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "TRADEWATCH_DATABASE_URL": database,
        "TRADEWATCH_TOPIC_PREFIX": topics,
        "TRADEWATCH_HTTP_HOST": "127.0.0.1",
        "TRADEWATCH_ALERTING_PORT": str(free_port()),
        "TRADEWATCH_COMMIT_INTERVAL_MS": "200",
        "TRADEWATCH_POLL_TIMEOUT_MS": "200",
        "TRADEWATCH_LOG_LEVEL": "INFO",
    }
    svc = Service(env=env, port=int(env["TRADEWATCH_ALERTING_PORT"]), log_path=tmp_path / "svc.log")
    yield svc
    svc.stop()
    print(svc.log_tail())  # shown when the test failed


# helpers -----------------------------------------------------------------------------------


def screened(shipment_id: str, *, score: float = 0.97, identifier: bool = False) -> bytes:
    now = datetime.now(UTC)
    record = ScreenedShipment.model_validate(
        {
            "shipment": {
                "shipment_id": shipment_id,
                "source": "kr-customs",
                "declared_at": now - timedelta(days=1),
                "origin_country": "KR",
                "destination_country": "RU",
                "parties": [
                    {"role": "shipper", "name": "KYUNGKI INDUSTRIAL CO., LTD.", "country": "KR"},
                    {
                        "role": "consignee",
                        "name": "AURUS LLC",
                        "country": "RU",
                        "identifiers": {"tax_id": "7743237789"},
                    },
                ],
            },
            "screening": {
                "screened_at": now,
                "parties": [
                    {"party_index": 0, "role": "shipper", "name": "KYUNGKI", "matches": []},
                    {
                        "party_index": 1,
                        "role": "consignee",
                        "name": "AURUS LLC",
                        "matches": [
                            {
                                "list": "us-ofac-sdn",
                                "entry_id": "47956",
                                "entry_name": "LIMITED LIABILITY COMPANY AURUS",
                                "matched_name": "LIMITED LIABILITY COMPANY AURUS",
                                "score": score,
                                "programs": ["RUSSIA-EO14024"],
                                "identifier_match": identifier,
                                "explanation": "name core 'aurus' = 'aurus'",
                            }
                        ],
                    },
                ],
                "risk_flags": [],
                "list_versions": {"us-ofac-sdn": "v1"},
            },
            "ingested_at": now,
        }
    )
    return record.model_dump_json().encode()


def produce(bootstrap: str, topic: str, values: list[tuple[str, bytes]]) -> None:
    producer = KafkaProducerAdapter(bootstrap, "alerting-test")
    deliveries = [producer.send(Output(topic, key, value)) for key, value in values]
    producer.flush(30)
    for delivery in deliveries:
        delivery.wait(30)
    producer.close(10)


def read_topic(bootstrap: str, topic: str, expected: int, timeout_s: float = 30) -> list[Record]:
    reader = KafkaTopicReader(bootstrap, topic, "alerting-test-reader")
    found: list[Record] = []
    deadline = time.monotonic() + timeout_s
    while len(found) < expected and time.monotonic() < deadline:
        found.extend(reader.poll(500))
    found.extend(reader.poll(1500))  # more than expected would be a bug to see
    reader.close()
    return found


def committed(bootstrap: str, group: str) -> int:
    """Sum of the group's committed offsets (records consumed and committed)."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="alerting-test")
    try:
        offsets: dict[Any, Any] = admin.list_group_offsets({group: None}).get(group, {})
    finally:
        admin.close()
    return sum(max(0, meta.offset) for meta in offsets.values())


def count_alerts(engine: Engine) -> int:
    with make_sessions(engine)() as session:
        return int(session.scalar(select(func.count()).select_from(Alert)) or 0)


def _ensure_postgres_running() -> None:
    subprocess.run([str(POSTGRES_SH), "start"], check=True, capture_output=True, timeout=120)


def api_key(engine: Engine, name: str, role: str) -> str:
    with make_sessions(engine).begin() as session:
        return create_api_key(session, name=name, role=role)[1]


# tests -------------------------------------------------------------------------------------


def test_the_same_screened_record_delivered_twice_makes_one_alert_and_one_event(
    service: Service, engine: Engine, kafka_bootstrap: str, topics: str
) -> None:
    service.start()
    value = screened("dup-1")
    key = "kr-customs:dup-1"
    produce(kafka_bootstrap, topics + SHIPMENTS_SCREENED.name, [(key, value), (key, value)])
    group = f"{topics}alerting"
    wait_for("both records committed", lambda: committed(kafka_bootstrap, group) == 2)
    assert count_alerts(engine) == 1
    events = [
        AlertEvent.model_validate_json(r.value or b"")
        for r in read_topic(kafka_bootstrap, topics + ALERTS.name, expected=1)
    ]
    assert [(e.event, e.shipment_id, e.status) for e in events] == [("raised", "dup-1", "open")]
    viewer = api_key(engine, "vera", "viewer")
    page = httpx.get(
        f"{service.base_url}/v1/alerts", headers={"X-API-Key": viewer}, timeout=10
    ).json()
    assert [item["alert_id"] for item in page["items"]] == [events[0].alert_id]
    assert service.metric("tradewatch_alerts_total", list="us-ofac-sdn", reason="match") == 1
    assert service.metric("tradewatch_ingest_to_alert_seconds_count") == 1


def test_a_viewer_cannot_transition_and_four_eyes_holds(
    service: Service, engine: Engine, kafka_bootstrap: str, topics: str
) -> None:
    keys = {
        name: {"X-API-Key": api_key(engine, name, role)}
        for name, role in (("vera", "viewer"), ("alice", "analyst"), ("bob", "analyst"))
    }
    service.start()
    produce(kafka_bootstrap, topics + SHIPMENTS_SCREENED.name, [("kr-customs:4e", screened("4e"))])
    api = httpx.Client(base_url=service.base_url, timeout=10)

    def alerts() -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = api.get("/v1/alerts", headers=keys["vera"]).json()["items"]
        return items

    wait_for("the alert", lambda: len(alerts()) == 1)
    url = f"/v1/alerts/{alerts()[0]['alert_id']}/transitions"

    def move(who: str, to: str) -> int:
        response = api.post(url, json={"to": to, "comment": f"{who} checked"}, headers=keys[who])
        return int(response.status_code)

    assert move("vera", "in_review") == 403
    assert alerts()[0]["status"] == "open"
    assert [move("alice", "in_review"), move("alice", "escalated")] == [200, 200]
    assert move("alice", "confirmed") == 403
    assert alerts()[0]["status"] == "escalated"
    assert move("bob", "confirmed") == 200
    history = api.get(url.replace("transitions", "history"), headers=keys["vera"]).json()
    assert [(h["actor"], h["to_status"]) for h in history["items"]] == [
        ("system", "open"),
        ("alice", "in_review"),
        ("alice", "escalated"),
        ("bob", "confirmed"),
    ]
    published = read_topic(kafka_bootstrap, topics + ALERTS.name, expected=4)
    statuses = [AlertEvent.model_validate_json(r.value or b"").status for r in published]
    assert statuses == ["open", "in_review", "escalated", "confirmed"]


class Receiver:
    """A webhook receiver on 127.0.0.1 that answers with the given status codes, then 200."""

    def __init__(self, answers: list[int]) -> None:
        self.answers = answers
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                code = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def verify_signature(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """The recipe in docs/alerting.md, written out as a receiver would."""
    timestamp = headers["x-tradewatch-timestamp"]
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest("sha256=" + expected.hexdigest(), headers["x-tradewatch-signature"])


def test_a_webhook_reaches_a_receiver_signed_and_a_failing_receiver_is_retried(
    service: Service, engine: Engine, kafka_bootstrap: str, topics: str
) -> None:
    admin = {"X-API-Key": api_key(engine, "adam", "admin")}
    service.extra_env = {
        "TRADEWATCH_WEBHOOK_BACKOFF_MS": "300",
        "TRADEWATCH_WEBHOOK_MAX_ATTEMPTS": "4",
    }
    service.start()
    good, flaky, dead = Receiver([]), Receiver([500, 503]), Receiver([500] * 10)
    api = httpx.Client(base_url=service.base_url, timeout=10, headers=admin)
    try:
        hooks = {}
        for name, receiver in (("good", good), ("flaky", flaky), ("dead", dead)):
            body = {
                "url": receiver.url,
                "events": ["raised"],
                "secret": f"{name}-secret-0123456789",
            }
            created = api.post("/v1/webhooks", json=body)
            assert created.status_code == 201, created.text
            hooks[name] = created.json()["webhook_id"]
        produce(
            kafka_bootstrap, topics + SHIPMENTS_SCREENED.name, [("kr-customs:wh", screened("wh"))]
        )

        def states() -> dict[str, list[dict[str, Any]]]:
            return {
                name: api.get(f"/v1/webhooks/{hook}/deliveries").json()["items"]
                for name, hook in hooks.items()
            }

        wait_for(
            "every delivery to settle",
            lambda: all(
                len(items) == 1 and items[0]["state"] != "pending" for items in states().values()
            ),
        )
        final = {name: items[0] for name, items in states().items()}
        assert {n: (d["state"], d["attempts"]) for n, d in final.items()} == {
            "good": ("delivered", 1),
            "flaky": ("delivered", 3),
            "dead": ("failed", 4),
        }
        assert final["dead"]["last_status_code"] == 500
        [(headers, payload)] = good.requests
        assert verify_signature("good-secret-0123456789", headers, payload)
        assert not verify_signature("flaky-secret-0123456789", headers, payload)
        event = AlertEvent.model_validate_json(payload)
        assert (event.event, event.shipment_id) == ("raised", "wh")
        assert headers["x-tradewatch-event-id"] == event.event_id
        assert len(flaky.requests) == 3
        assert {h["idempotency-key"] for h, _ in flaky.requests} == {final["flaky"]["delivery_id"]}
        assert all(verify_signature("flaky-secret-0123456789", h, b) for h, b in flaky.requests)
        assert service.metric("tradewatch_webhook_deliveries_total", outcome="retry") == 2 + 3
        assert service.metric("tradewatch_webhook_deliveries_total", outcome="failed") == 1
    finally:
        for receiver in (good, flaky, dead):
            receiver.close()


def postgres(action: str) -> None:
    subprocess.run([str(POSTGRES_SH), action], check=True, capture_output=True, timeout=120)


def test_postgresql_stopped_mid_stream_commits_nothing_past_the_failure_and_loses_nothing(
    service: Service, engine: Engine, kafka_bootstrap: str, topics: str
) -> None:
    service.extra_env = {
        "TRADEWATCH_RETRY_ATTEMPTS": "200",
        "TRADEWATCH_RETRY_BACKOFF_MS": "200",
        "TRADEWATCH_RETRY_BACKOFF_MAX_MS": "1000",
    }
    service.start()
    group = f"{topics}alerting"
    topic = topics + SHIPMENTS_SCREENED.name
    before = [(f"kr-customs:pg-{i}", screened(f"pg-{i}")) for i in range(5)]
    after = [(f"kr-customs:pg-{i}", screened(f"pg-{i}")) for i in range(5, 10)]
    produce(kafka_bootstrap, topic, before)
    wait_for("the first records", lambda: committed(kafka_bootstrap, group) == 5)
    assert count_alerts(engine) == 5
    retries = "tradewatch_consumer_retries_total"
    try:
        postgres("stop")
        produce(kafka_bootstrap, topic, after)
        wait_for(
            "the handler to fail on the new records",
            lambda: service.metric(retries, service="alerting", step="handle") >= 3,
        )
        time.sleep(2)  # several commit intervals: nothing may be committed meanwhile
        assert committed(kafka_bootstrap, group) == 5
        assert service.alive()
        ready = httpx.get(f"{service.base_url}/readyz", timeout=5)
        assert ready.status_code == 503
        assert ready.json()["checks"]["service"].startswith("database unreachable")
    finally:
        postgres("start")
    wait_for("every record committed", lambda: committed(kafka_bootstrap, group) == 10, 90)
    assert service.alive()
    assert count_alerts(engine) == 10
    published = read_topic(kafka_bootstrap, topics + ALERTS.name, expected=10)
    events = [AlertEvent.model_validate_json(r.value or b"") for r in published]
    assert sorted(e.shipment_id for e in events) == sorted(f"pg-{i}" for i in range(10))
    assert {e.event for e in events} == {"raised"}
