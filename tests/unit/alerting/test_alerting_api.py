"""The REST API on SQLite: keys and roles, paging, evidence, transitions, suppressions, webhooks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from services.alerting.api import ApiContext, build_api
from services.alerting.rules_config import AlertRules
from services.alerting.screened import process_screened
from shared.db.api_keys import create_api_key
from shared.db.models import ListEntry, ListVersion
from shared.schemas import ScreenedShipment

Screened = Callable[..., ScreenedShipment]
Sessions = sessionmaker[Session]
NOW = datetime(2024, 2, 23, 12, tzinfo=UTC)
Keys = dict[str, dict[str, str]]


@pytest.fixture
def client(sessions: Sessions) -> Iterator[TestClient]:
    woken: list[int] = []
    app = build_api(ApiContext(sessions, clock=lambda: NOW, on_change=lambda: woken.append(1)))
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def keys(sessions: Sessions) -> Keys:
    found: Keys = {}
    with sessions.begin() as session:
        for name, role in (
            ("vera", "viewer"),
            ("alice", "analyst"),
            ("bob", "analyst"),
            ("adam", "admin"),
            ("ivan", "ingest"),
        ):
            found[name] = {"X-API-Key": create_api_key(session, name=name, role=role)[1]}
    return found


def raise_alerts(sessions: Sessions, screened: Screened, ids: list[str]) -> None:
    for i, shipment_id in enumerate(ids):
        with sessions.begin() as session:
            process_screened(
                session,
                screened(shipment_id=shipment_id),
                AlertRules(),
                NOW - timedelta(minutes=len(ids) - i),
            )


def only_alert(client: TestClient, keys: Keys) -> dict[str, Any]:
    items: list[dict[str, Any]] = client.get("/v1/alerts", headers=keys["vera"]).json()["items"]
    assert len(items) == 1
    return items[0]


def test_keys_and_roles(
    client: TestClient, keys: Keys, sessions: Sessions, screened: Screened
) -> None:
    raise_alerts(sessions, screened, ["a"])
    assert client.get("/v1/alerts").status_code == 401
    assert client.get("/v1/alerts", headers={"X-API-Key": "tw_nope"}).status_code == 401
    assert client.get("/v1/alerts", headers=keys["ivan"]).status_code == 403
    assert client.get("/v1/alerts", headers=keys["vera"]).status_code == 200
    alert_id = only_alert(client, keys)["alert_id"]
    move = {"to": "in_review"}
    assert client.post(f"/v1/alerts/{alert_id}/transitions", json=move).status_code == 401
    viewer = client.post(f"/v1/alerts/{alert_id}/transitions", json=move, headers=keys["vera"])
    assert viewer.status_code == 403
    assert client.get("/v1/webhooks", headers=keys["alice"]).status_code == 403
    assert client.get("/v1/webhooks", headers=keys["adam"]).status_code == 200
    assert client.get("/openapi.json").json()["info"]["title"] == "Tradewatch alerting"


def test_listing_pages_with_a_cursor_and_filters(
    client: TestClient, keys: Keys, sessions: Sessions, screened: Screened
) -> None:
    raise_alerts(sessions, screened, [f"s{i}" for i in range(5)])
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = client.get("/v1/alerts", params=params, headers=keys["vera"]).json()
        seen += [item["shipment_id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert (seen, pages) == (["s4", "s3", "s2", "s1", "s0"], 3)
    item = client.get("/v1/alerts", params={"limit": 1}, headers=keys["vera"]).json()["items"][0]
    for field in (
        "alert_id",
        "event",
        "shipment_id",
        "source",
        "status",
        "severity",
        "raised_at",
        "reason",
        "matches",
        "event_id",
        "list",
        "entry_id",
    ):
        assert field in item, field
    assert client.get("/v1/alerts", params={"limit": 501}, headers=keys["vera"]).status_code == 422
    assert (
        client.get("/v1/alerts", params={"cursor": "junk"}, headers=keys["vera"]).status_code == 422
    )
    assert (
        client.get("/v1/alerts", params={"status": "nope"}, headers=keys["vera"]).status_code == 422
    )
    filtered = client.get(
        "/v1/alerts",
        params={
            "since": (NOW - timedelta(minutes=2)).isoformat(),
            "list": "us-ofac-sdn",
            "severity": "high",
            "source": "kr-customs",
            "status": "open",
        },
        headers=keys["vera"],
    ).json()["items"]
    assert [i["shipment_id"] for i in filtered] == ["s4", "s3"]
    empty = client.get("/v1/alerts", params={"severity": "critical"}, headers=keys["vera"])
    assert empty.json() == {"items": [], "next_cursor": None}


def test_an_alert_shows_its_evidence(
    client: TestClient, keys: Keys, sessions: Sessions, screened: Screened
) -> None:
    with sessions.begin() as session:
        version = ListVersion(
            list_id="us-ofac-sdn",
            seq=1,
            version="v1",
            format="ofac",
            source="x",
            checksum="c",
            loaded_at=NOW - timedelta(days=1),
            entry_count=1,
            added_count=1,
            changed_count=0,
            removed_count=0,
            problem_count=0,
            problems=[],
            orphans={},
        )
        session.add(version)
        session.flush()
        session.add(
            ListEntry(
                list_id="us-ofac-sdn",
                entry_id="47956",
                kind="organization",
                name="LIMITED LIABILITY COMPANY AURUS",
                content_hash="h",
                version_id=version.id,
                entry={
                    "name": "LIMITED LIABILITY COMPANY AURUS",
                    "programs": ["RUSSIA-EO14024"],
                    "identifiers": [{"type": "tax_id", "value": "7743237789"}],
                },
            )
        )
    raise_alerts(sessions, screened, ["a"])
    alert_id = only_alert(client, keys)["alert_id"]
    detail = client.get(f"/v1/alerts/{alert_id}", headers=keys["vera"]).json()
    evidence = detail["evidence"]
    assert evidence["parties"][0]["name"] == "AURUS LLC"
    assert evidence["entry"]["identifiers"] == [{"type": "tax_id", "value": "7743237789"}]
    assert evidence["entry"]["programs"] == ["RUSSIA-EO14024"] and evidence["entry"]["loaded"]
    assert evidence["matched_names"] == ["LIMITED LIABILITY COMPANY AURUS"]
    assert evidence["explanations"] == ["name core 'aurus' = 'aurus'"]
    assert evidence["shipment"]["shipment_id"] == "a"
    assert client.get("/v1/alerts/nope", headers=keys["vera"]).status_code == 404
    lists = client.get("/v1/lists", headers=keys["vera"]).json()["items"]
    assert [(x["list"], x["version"], x["age_seconds"]) for x in lists] == [
        ("us-ofac-sdn", "v1", 86400.0)
    ]


def test_transitions_and_four_eyes(
    client: TestClient, keys: Keys, sessions: Sessions, screened: Screened
) -> None:
    raise_alerts(sessions, screened, ["a"])
    alert_id = only_alert(client, keys)["alert_id"]
    url = f"/v1/alerts/{alert_id}/transitions"

    def move(who: str, to: str, comment: str | None = None) -> int:
        response = client.post(url, json={"to": to, "comment": comment}, headers=keys[who])
        return int(response.status_code)

    assert move("alice", "confirmed") == 409
    assert move("alice", "in_review") == 200
    assert move("alice", "dismissed") == 422  # no comment
    assert move("alice", "escalated") == 200
    assert move("alice", "confirmed") == 403  # four eyes
    assert move("bob", "confirmed", "tax id agrees") == 200
    assert move("bob", "dismissed", "changed my mind") == 409  # closed
    assert (
        client.get(f"/v1/alerts/{alert_id}", headers=keys["vera"]).json()["status"] == "confirmed"
    )
    history = client.get(f"{url[: -len('/transitions')]}/history", headers=keys["vera"]).json()
    assert [(h["actor"], h["action"], h["to_status"]) for h in history["items"]] == [
        ("system", "raised", "open"),
        ("alice", "transition", "in_review"),
        ("alice", "transition", "escalated"),
        ("bob", "transition", "confirmed"),
    ]
    assert history["items"][-1]["comment"] == "tax id agrees"
    assert move("bob", "in_review") == 409
    assert (
        client.post(
            "/v1/alerts/none/transitions", json={"to": "in_review"}, headers=keys["bob"]
        ).status_code
        == 404
    )


def test_suppressions(
    client: TestClient, keys: Keys, sessions: Sessions, screened: Screened
) -> None:
    body = {
        "list": "us-ofac-sdn",
        "entry_id": "47956",
        "name": "AURUS LLC",
        "reason": "a different Aurus, checked",
        "expires_at": (NOW + timedelta(days=30)).isoformat(),
    }
    assert client.post("/v1/suppressions", json=body, headers=keys["vera"]).status_code == 403
    too_long = {**body, "expires_at": (NOW + timedelta(days=181)).isoformat()}
    response = client.post("/v1/suppressions", json=too_long, headers=keys["alice"])
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == [
        "body",
        "expires_at",
    ]
    both = {**body, "identifier": {"type": "tax_id", "value": "1"}}
    assert client.post("/v1/suppressions", json=both, headers=keys["alice"]).status_code == 422
    created = client.post("/v1/suppressions", json=body, headers=keys["alice"])
    assert created.status_code == 201 and created.json()["state"] == "active"
    raise_alerts(sessions, screened, ["a"])
    assert client.get("/v1/alerts", headers=keys["vera"]).json()["items"] == []
    [listed] = client.get("/v1/suppressions", headers=keys["vera"]).json()["items"]
    assert (listed["hits"], listed["created_by"], listed["entry_known"]) == (1, "alice", False)
    sid = listed["suppression_id"]
    assert client.delete(f"/v1/suppressions/{sid}", headers=keys["alice"]).status_code == 204
    assert client.get("/v1/suppressions", headers=keys["vera"]).json()["items"] == []
    states = client.get("/v1/suppressions", params={"active": False}, headers=keys["vera"]).json()
    assert [s["state"] for s in states["items"]] == ["revoked"]
    assert client.delete("/v1/suppressions/none", headers=keys["alice"]).status_code == 404


def test_a_shipment_with_its_parties_and_alerts(
    client: TestClient, keys: Keys, sessions: Sessions, screened: Screened
) -> None:
    raise_alerts(sessions, screened, ["KR/2024/1"])
    shipment = client.get("/v1/shipments/kr-customs/KR/2024/1", headers=keys["vera"]).json()
    assert [p["name"] for p in shipment["parties"]] == ["KYUNGKI INDUSTRIAL CO., LTD.", "AURUS LLC"]
    assert len(shipment["alerts"]) == 1 and len(shipment["parties"][1]["counterparty_id"]) == 32
    assert client.get("/v1/shipments/kr-customs/none", headers=keys["vera"]).status_code == 404


def test_webhooks_are_admin_only_and_never_show_their_secret(
    client: TestClient, keys: Keys
) -> None:
    body = {"url": "http://127.0.0.1:9/hook", "events": ["raised"], "secret": "s" * 32}
    assert client.post("/v1/webhooks", json=body, headers=keys["alice"]).status_code == 403
    bad = client.post("/v1/webhooks", json={**body, "url": "ftp://x"}, headers=keys["adam"])
    assert bad.status_code == 422
    short = client.post("/v1/webhooks", json={**body, "secret": "short"}, headers=keys["adam"])
    assert short.status_code == 422
    created = client.post("/v1/webhooks", json=body, headers=keys["adam"])
    assert created.status_code == 201 and "secret" not in created.json()
    hook_id = created.json()["webhook_id"]
    assert client.get(f"/v1/webhooks/{hook_id}/deliveries", headers=keys["adam"]).json() == {
        "items": []
    }
    assert client.delete(f"/v1/webhooks/{hook_id}", headers=keys["adam"]).status_code == 204
    assert client.get(f"/v1/webhooks/{hook_id}", headers=keys["adam"]).json()["active"] is False
