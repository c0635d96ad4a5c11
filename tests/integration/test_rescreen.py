"""The AURUS story end to end on the real Kafka and PostgreSQL, the services as processes.

A shipment from Kyungki Industrial to "AURUS LLC" (tax ID 7743237789), declared 2024-02-21, is
screened against the SDN list of 2024-02-20 and is clean. The list of 2024-02-23 designates
Aurus (entry 47956): `tradewatch lists load` rescreens the stored shipments against what the new
version added, and the alerting service raises one alert, reason `newly_listed`, on `alerts.v1`.
The same version lists the ship that carried it (ALIREZA 1, entry 47714, IMO 6703769), which the
document names otherwise: a second `newly_listed` alert, for the vessel, found by its IMO number.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from shared.config import Settings
from shared.db.api_keys import create_api_key
from shared.db.engine import make_engine, make_sessions
from shared.db.models import Alert, StoredShipment
from shared.kafka.adapter import KafkaAdmin, KafkaTopicReader
from shared.schemas import AlertEvent, alert_id
from shared.schemas.registry import ALERTS, ALL_TOPICS
from tradewatch_cli.main import main

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("ingest", "enrichment", "alerting")
READY_TIMEOUT_S = 180.0
STORED_TIMEOUT_S = 60.0
ALERT_TIMEOUT_S = 60.0
GRACE_S = 8.0
SHIPMENT = {
    "shipment_id": "KR-EXP-2024-000731",
    "source": "kr-customs",
    "declared_at": "2024-02-21T09:30:00Z",
    "direction": "export",
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
    "goods": [{"hs_code": "870830", "description": "brake system parts"}],
    "vessel": {"name": "NEW DAWN", "imo": "6703769"},
}
SHIPMENT_KEY = "kr-customs:KR-EXP-2024-000731"
AURUS_ALERT = alert_id(SHIPMENT_KEY, "us-ofac-sdn", "47956")
VESSEL_ALERT = alert_id(SHIPMENT_KEY, "us-ofac-sdn", "47714")
NEWLY_LISTED = {AURUS_ALERT, VESSEL_ALERT}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Service:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def tail(self) -> str:
        lines = self.log.read_text(errors="replace").splitlines()[-30:]
        return f"--- {self.name} ({self.log}) ---\n" + "\n".join(lines)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


@dataclass
class Pipeline:
    settings: Settings
    env: dict[str, str]
    ingest_key: str
    log_dir: Path
    services: dict[str, Service]

    def logs(self) -> str:
        return "\n".join(s.tail() for s in self.services.values())

    def start(self) -> None:
        """Each service as it runs in production, `python -m services.<name>`; then /readyz."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for name in SERVICES:
            log = self.log_dir / f"{name}.log"
            with log.open("wb") as out:
                process = subprocess.Popen(
                    [sys.executable, "-m", f"services.{name}"],
                    cwd=ROOT,
                    env=self.env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            port = int(self.env[f"TRADEWATCH_{name.upper()}_PORT"])
            self.services[name] = Service(name, port, process, log)
        deadline = time.monotonic() + READY_TIMEOUT_S
        for service in self.services.values():
            while not self._ready(service):
                assert time.monotonic() < deadline, f"{service.name} not ready\n{self.logs()}"
                time.sleep(0.3)

    def _ready(self, service: Service) -> bool:
        assert service.process.poll() is None, f"{service.name} exited\n{self.logs()}"
        try:
            return httpx.get(f"http://127.0.0.1:{service.port}/readyz", timeout=2).is_success
        except httpx.TransportError:
            return False

    def cli(self, *argv: str) -> None:
        """`tradewatch ...` with this pipeline's settings (the CLI reads them from the env)."""
        saved = dict(os.environ)
        os.environ.update({k: v for k, v in self.env.items() if k.startswith("TRADEWATCH_")})
        try:
            assert main(list(argv)) == 0
        finally:
            os.environ.clear()
            os.environ.update(saved)


@pytest.fixture
def pipeline(
    kafka_bootstrap: str, fresh_database: str, topic_prefix: str, tmp_path: Path
) -> Iterator[Pipeline]:
    """A fresh database and topic prefix; ingest, enrichment and alerting as processes."""
    url = fresh_database
    kafka = KafkaAdmin(kafka_bootstrap, client_id="tests-rescreen")
    services: dict[str, Service] = {}
    try:
        engine = make_engine(url)
        with make_sessions(engine).begin() as session:
            _, key = create_api_key(session, name="tests-rescreen", role="ingest")
        engine.dispose()
        kafka.create_topics(ALL_TOPICS, prefix=topic_prefix)
        settings = Settings(
            kafka_bootstrap_servers=kafka_bootstrap,
            database_url=url,
            topic_prefix=topic_prefix,
        )
        ports = {s: free_port() for s in SERVICES}
        env = {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            "TRADEWATCH_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
            "TRADEWATCH_DATABASE_URL": url,
            "TRADEWATCH_TOPIC_PREFIX": topic_prefix,
            "TRADEWATCH_HTTP_HOST": "127.0.0.1",
            **{f"TRADEWATCH_{s.upper()}_PORT": str(p) for s, p in ports.items()},
        }
        yield Pipeline(settings, env, key, tmp_path / "logs", services)
    finally:
        for service in services.values():
            service.stop()
        existing = kafka.list_topics()
        kafka.delete_topics([n for t in ALL_TOPICS if (n := topic_prefix + t.name) in existing])
        kafka.close()


def load_sdn(pipeline: Pipeline, day: str) -> None:
    path = Path(pipeline.settings.sanctions_data_dir) / "sanctions/ofac/sdn-history"
    pipeline.cli(
        "lists",
        "load",
        f"ofac-sdn:{path / f'sdn_{day}.csv'}",
        "--list-id",
        "us-ofac-sdn",
        "--no-progress",
    )


def wait_stored(pipeline: Pipeline) -> None:
    engine = make_engine(pipeline.settings.database_url.get_secret_value())
    sessions = make_sessions(engine)
    deadline = time.monotonic() + STORED_TIMEOUT_S
    try:
        while True:
            with sessions() as session:
                if session.get(StoredShipment, SHIPMENT_KEY) is not None:
                    alerts = session.scalar(select(func.count()).select_from(Alert))
                    assert alerts == 0, "the shipment alerted before Aurus was listed"
                    return
            assert time.monotonic() < deadline, f"shipment not stored in time\n{pipeline.logs()}"
            time.sleep(0.3)
    finally:
        engine.dispose()


def alert_events(reader: KafkaTopicReader, seconds: float) -> list[AlertEvent]:
    found: list[AlertEvent] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for record in reader.poll(timeout_ms=500):
            assert record.value is not None
            found.append(AlertEvent.model_validate_json(record.value))
    return found


def test_a_clean_shipment_alerts_newly_listed_once_when_its_consignee_is_designated(
    pipeline: Pipeline,
) -> None:
    load_sdn(pipeline, "2024-02-20")
    pipeline.start()
    response = httpx.post(
        f"http://127.0.0.1:{pipeline.services['ingest'].port}/v1/shipments",
        json=SHIPMENT,
        headers={"X-API-Key": pipeline.ingest_key},
        timeout=30,
    )
    assert response.status_code == 202, response.text
    wait_stored(pipeline)
    alerts_topic = pipeline.settings.topic_prefix + ALERTS.name
    reader = KafkaTopicReader(pipeline.settings.kafka_bootstrap_servers, alerts_topic, "tests-rs")
    try:
        assert alert_events(reader, 2.0) == [], "no alert while Aurus is not listed"

        started = time.monotonic()
        load_sdn(pipeline, "2024-02-23")  # the load rescreens the delta
        seen: list[AlertEvent] = []
        while not NEWLY_LISTED.issubset(e.alert_id for e in seen):
            assert time.monotonic() - started < ALERT_TIMEOUT_S, (
                f"no alert within {ALERT_TIMEOUT_S} s: {seen}\n{pipeline.logs()}"
            )
            seen += alert_events(reader, 0.5)
        took = time.monotonic() - started
        [raised] = [e for e in seen if e.alert_id == AURUS_ALERT]
        assert (raised.event, raised.reason, raised.status) == ("raised", "newly_listed", "open")
        assert raised.shipment_id == SHIPMENT["shipment_id"] and raised.source == "kr-customs"
        [match] = raised.matches
        assert (match.list_id, match.entry_id, match.party_role) == (
            "us-ofac-sdn",
            "47956",
            "consignee",
        )
        assert match.party_name == "AURUS LLC" and "RUSSIA-EO14024" in match.programs
        [ship] = [e for e in seen if e.alert_id == VESSEL_ALERT]
        assert (ship.event, ship.reason) == ("raised", "newly_listed")
        [match] = ship.matches
        assert (match.entry_id, match.party_role, match.party_name) == (
            "47714",
            "vessel",
            "NEW DAWN",
        )

        # Once only: a second rescreen of the same version, then a grace period.
        pipeline.cli("rescreen", "--list-id", "us-ofac-sdn", "--no-progress")
        seen += alert_events(reader, GRACE_S)
    finally:
        reader.close()
    raised_events = [e.alert_id for e in seen if e.event == "raised"]
    assert sorted(raised_events) == sorted(NEWLY_LISTED), seen
    assert [e for e in seen if e.alert_id not in NEWLY_LISTED] == []
    print(f"newly_listed alert on alerts.v1 {took:.1f} s after the 2024-02-23 load started")
