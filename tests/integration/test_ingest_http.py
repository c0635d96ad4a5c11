"""The ingest HTTP service (app.build, as `python -m services.ingest` runs it) against the real
Kafka and PostgreSQL: what lands on the topic, what lands in the DLQ, what the caller is told."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from shared.kafka.records import Record
from shared.schemas.shipment import Shipment

PROJECT_ROOT = Path(__file__).resolve().parents[2]

Start = Callable[..., TestClient]
ReadTopic = Callable[..., list[Record]]


@pytest.fixture
def client(ingest_service: Start) -> TestClient:
    started: TestClient = ingest_service()
    return started


def shipment(shipment_id: str, **overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "shipment_id": shipment_id,
        "source": "kcs",
        "declared_at": "2024-02-21T09:30:00+09:00",
        "origin_country": "KOR",
        "destination_country": "Russian Federation",
        "parties": [
            {"role": "shipper", "name": "Kyungki Industrial Co", "country": "South Korea"},
            {"role": "consignee", "name": "AURUS LLC", "identifiers": {"Tax ID": "7743237789"}},
        ],
        "goods": [{"hs_code": "8708.30", "quantity": 120}],
    }
    record.update(overrides)
    return record


def post(client: TestClient, key: str, body: object) -> httpx.Response:
    """POST a body as is (bytes) or as JSON."""
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    response: httpx.Response = client.post(
        "/v1/shipments", content=content, headers={"X-API-Key": key}
    )
    return response


# --- the must-show cases --------------------------------------------------------------------


def test_a_valid_batch_lands_on_the_topic_with_its_keys(
    client: TestClient,
    ingest_api_keys: dict[str, str],
    ingest_topics: Any,
    read_topic: ReadTopic,
) -> None:
    response = post(client, ingest_api_keys["ingest"], [shipment(f"KR-{n}") for n in range(5)])
    assert response.status_code == 202
    expected = [f"kcs:KR-{n}" for n in range(5)]
    assert [r["key"] for r in response.json()["results"]] == expected

    records = read_topic(ingest_topics.shipments, 5)
    assert sorted((r.key or b"").decode() for r in records) == expected
    for record in records:
        landed = Shipment.model_validate_json(record.value or b"")
        assert landed.key == (record.key or b"").decode()
        assert (landed.origin_country, landed.destination_country) == ("KR", "RU")
        assert landed.goods[0].hs_code == "870830"
        stamped = datetime.fromisoformat((record.header("tw.ingested_at") or b"").decode())
        assert stamped.utcoffset() is not None
    assert read_topic(ingest_topics.dlq, 0, timeout_s=1) == []


def test_bad_records_are_answered_and_dead_lettered_while_the_good_ones_land(
    client: TestClient,
    ingest_api_keys: dict[str, str],
    ingest_topics: Any,
    read_topic: ReadTopic,
) -> None:
    bad_country = shipment("KR-2", destination_country="Atlantis")
    no_parties = shipment("KR-3", parties=[])
    body = b"[%s, %s,\n %s, 42, %s]" % (
        json.dumps(shipment("KR-1")).encode(),
        json.dumps(bad_country).encode(),
        json.dumps(no_parties).encode(),
        json.dumps(shipment("KR-4")).encode(),
    )
    response = post(client, ingest_api_keys["ingest"], body)
    assert response.status_code == 202
    answer = response.json()
    assert (answer["accepted"], answer["rejected"]) == (2, 3)
    results = answer["results"]
    assert [r["status"] for r in results] == [
        "accepted",
        "rejected",
        "rejected",
        "rejected",
        "accepted",
    ]
    assert results[1]["errors"] == [
        {
            "loc": ["destination_country"],
            "msg": "unknown country 'Atlantis'",
            "type": "unknown_country",
        }
    ]
    assert results[2]["errors"][0]["loc"] == ["parties"]
    assert results[3]["errors"][0]["type"] == "not_an_object"

    landed = read_topic(ingest_topics.shipments, 2)
    assert sorted(r.key or b"" for r in landed) == [b"kcs:KR-1", b"kcs:KR-4"]
    dead = {r.header("tw.dlq.index") or b"": r for r in read_topic(ingest_topics.dlq, 3)}
    assert sorted(dead) == [b"1", b"2", b"3"]
    assert dead[b"1"].value == json.dumps(bad_country).encode()
    assert dead[b"1"].key == b"kcs:KR-2"
    assert dead[b"1"].header("tw.dlq.error_type") == b"unknown_country"
    assert b"destination_country: unknown country" in (dead[b"1"].header("tw.dlq.reason") or b"")
    assert dead[b"2"].header("tw.dlq.error_type") == b"too_short"
    assert dead[b"3"].value == b"42"
    assert dead[b"3"].header("tw.dlq.origin") == b"http"


def test_only_ingest_and_admin_keys_may_post(
    client: TestClient, ingest_api_keys: dict[str, str]
) -> None:
    assert client.post("/v1/shipments", json=shipment("A")).status_code == 401
    assert post(client, "tw_not_a_key", shipment("A")).status_code == 401
    assert post(client, ingest_api_keys["viewer"], shipment("A")).status_code == 403
    assert post(client, ingest_api_keys["admin"], shipment("A")).status_code == 202


def test_ready_and_metrics(client: TestClient, ingest_api_keys: dict[str, str]) -> None:
    assert client.get("/readyz").json() == {
        "ready": True,
        "checks": {"kafka": "ok", "database": "ok"},
    }
    post(client, ingest_api_keys["ingest"], [shipment("M-1"), {}])
    metrics = client.get("/metrics").text
    assert 'tradewatch_ingest_records_total{outcome="rejected",reason="missing"}' in metrics
    assert 'tradewatch_ingest_records_total{outcome="accepted",reason="none"}' in metrics
    assert 'tradewatch_ingest_request_seconds_count{status="202"}' in metrics
    assert "tradewatch_ingest_produce_seconds_count" in metrics


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_not_ready_and_503_while_the_broker_is_unreachable(
    ingest_service: Start, ingest_api_keys: dict[str, str]
) -> None:
    client = ingest_service(ready=False, kafka_bootstrap_servers=f"127.0.0.1:{closed_port()}")
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"] == {"kafka": "unreachable", "database": "ok"}
    response = post(client, ingest_api_keys["ingest"], shipment("X-1"))
    assert response.status_code == 503
    assert response.headers["Retry-After"]


def test_python_m_services_ingest_serves_and_stops_on_sigterm(
    kafka_bootstrap: str,
    database_url: str,
    topic_prefix: str,
    ingest_topics: Any,
    ingest_api_keys: dict[str, str],
    read_topic: ReadTopic,
    tmp_path: Path,
) -> None:
    port = closed_port()
    env = {
        **os.environ,
        "TRADEWATCH_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "TRADEWATCH_DATABASE_URL": database_url,
        "TRADEWATCH_TOPIC_PREFIX": topic_prefix,
        "TRADEWATCH_INGEST_PORT": str(port),
        "TRADEWATCH_HTTP_HOST": "127.0.0.1",
    }
    log = (tmp_path / "ingest.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "services.ingest"], cwd=PROJECT_ROOT, env=env, stderr=log
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            alive = process.poll() is None
            assert time.monotonic() < deadline and alive, (tmp_path / "ingest.log").read_text()
            time.sleep(0.2)
        response = httpx.post(
            f"{base}/v1/shipments",
            json=shipment("P-1"),
            headers={"X-API-Key": ingest_api_keys["ingest"]},
        )
        assert response.status_code == 202
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()
    assert [r.key for r in read_topic(ingest_topics.shipments, 1)] == [b"kcs:P-1"]
