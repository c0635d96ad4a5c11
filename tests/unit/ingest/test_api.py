"""The HTTP route on the in-memory bus with a stand-in for API-key auth: statuses and limits."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi import FastAPI, HTTPException, Request
from fastapi.testclient import TestClient

from services.ingest import Ingestor
from services.ingest.api import Limits, guarded, shipments_router
from shared.http.auth import Caller
from shared.kafka.memory import MemoryBroker, MemoryProducer
from shared.kafka.records import Producer

TOPIC, DLQ = "shipments.ingested.v1", "ingest.dlq"
GOOD = {"shipment_id": "A1", "source": "kcs", "parties": [{"role": "buyer", "name": "AURUS"}]}
BAD = {"shipment_id": "B1", "source": "kcs", "parties": []}


def authenticate(request: Request) -> Caller:
    if request.headers.get("X-API-Key") != "good":
        raise HTTPException(401, "invalid or revoked API key")
    return Caller(key_id="k1", name="test", role="ingest")


class Service:
    def __init__(self, max_body_bytes: int = 4096, max_records: int = 3) -> None:
        self.broker = MemoryBroker()
        self.producer = MemoryProducer(self.broker)
        self.ingestor: Ingestor | None = Ingestor(self.producer, topic=TOPIC, dlq_topic=DLQ)
        self.failed: list[Producer] = []
        app = FastAPI()
        app.include_router(
            shipments_router(
                lambda: self.ingestor,
                guarded(authenticate),
                Limits(max_body_bytes, max_records),
                on_delivery_failed=self.failed.append,
            )
        )
        self.client = TestClient(app, raise_server_exceptions=True)

    def post(
        self,
        body: object,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, object]]:
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        response = self.client.post(
            "/v1/shipments",
            content=content,
            headers={"X-API-Key": "good", **(headers or {})},
            params=params,
        )
        return response.status_code, response.json()


@pytest.fixture
def service() -> Service:
    return Service()


def test_a_single_object_is_accepted_with_its_key(service: Service) -> None:
    status, body = service.post(GOOD)
    assert status == 202
    assert body == {
        "accepted": 1,
        "rejected": 0,
        "results": [{"index": 0, "status": "accepted", "key": "kcs:A1"}],
    }


def test_a_mixed_batch_is_202_and_a_fully_rejected_one_422(service: Service) -> None:
    status, body = service.post([GOOD, BAD])
    assert (status, body["accepted"], body["rejected"]) == (202, 1, 1)
    status, body = service.post([BAD, 5])
    assert (status, body["accepted"], body["rejected"]) == (422, 0, 2)
    results = body["results"]
    assert isinstance(results, list)
    assert results[0]["errors"] == [
        {
            "loc": ["parties"],
            "msg": "List should have at least 1 item after validation, not 0",
            "type": "too_short",
        }
    ]
    assert len(service.broker.records(DLQ)) == 3


def test_the_source_query_parameter_fills_in_missing_sources(service: Service) -> None:
    record = {k: v for k, v in GOOD.items() if k != "source"}
    status, body = service.post(record, params={"source": "portal"})
    assert (status, body["results"]) == (
        202,
        [{"index": 0, "status": "accepted", "key": "portal:A1"}],
    )


def test_without_a_key_nothing_is_read(service: Service) -> None:
    response = service.client.post("/v1/shipments", content=b"[]")
    assert response.status_code == 401
    assert service.broker.records(TOPIC) == []


def test_a_declared_oversize_body_is_refused_before_reading(service: Service) -> None:
    status, body = service.post(b"x", headers={"Content-Length": "5000"})
    assert status == 413
    assert "exceeds 4096 bytes" in str(body["detail"])


def test_an_oversize_body_without_a_length_is_cut_off_while_streaming(service: Service) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"["
        for _ in range(100):
            yield json.dumps(GOOD).encode() + b","
        yield b"{}]"

    response = service.client.post("/v1/shipments", content=chunks(), headers={"X-API-Key": "good"})
    assert response.status_code == 413
    assert service.broker.records(TOPIC) == []


def test_too_many_records_is_413(service: Service) -> None:
    status, body = service.post([GOOD] * 4)
    assert status == 413
    assert "at most 3 records" in str(body["detail"])
    assert service.broker.records(TOPIC) == []


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"{", 400),
        (b'{"a": "\xff"}', 400),
        (b"", 400),
        (b"[]", 422),
        (b"42", 422),
        (b"[" * 4000, 400),
    ],
)
def test_a_client_mistake_is_never_a_500(service: Service, raw: bytes, status: int) -> None:
    got, body = service.post(raw)
    assert got == status
    assert isinstance(body["detail"], str)


def test_503_until_the_broker_was_reached(service: Service) -> None:
    service.ingestor = None
    response = service.client.post("/v1/shipments", json=GOOD, headers={"X-API-Key": "good"})
    assert response.status_code == 503
    assert response.headers["Retry-After"]


def test_503_when_the_broker_does_not_acknowledge(service: Service) -> None:
    service.producer.fail_next = TimeoutError("no answer")
    status, body = service.post(GOOD)
    assert status == 503
    assert "send them again" in str(body["detail"])
    assert service.failed == [service.producer]


def test_a_database_outage_during_auth_is_503_not_500() -> None:
    def broken(request: Request) -> Caller:
        raise ConnectionError("database down")

    app = FastAPI()
    app.include_router(shipments_router(lambda: None, guarded(broken), Limits(100, 1)))
    response = TestClient(app).post("/v1/shipments", json=GOOD)
    assert response.status_code == 503
