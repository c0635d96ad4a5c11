"""Webhook deliveries from the outbox: signatures, backoff, bounded attempts, state."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from services.alerting.metrics import WEBHOOK_DELIVERIES
from services.alerting.rules_config import AlertRules
from services.alerting.screened import process_screened
from services.alerting.webhooks import PostResult, RetryPolicy, WebhookDeliverer, sign, verify
from shared.db.models import Webhook, WebhookDelivery
from shared.schemas import AlertEvent, ScreenedShipment

Screened = Callable[..., ScreenedShipment]
Sessions = sessionmaker[Session]
T = datetime(2024, 2, 23, 12, tzinfo=UTC)
SECRET = "a-long-enough-shared-secret"


class Clock:
    def __init__(self) -> None:
        self.now = T

    def __call__(self) -> datetime:
        return self.now


class Receiver:
    def __init__(self, answers: list[int | None]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, bytes, dict[str, str]]] = []

    def __call__(self, url: str, body: bytes, headers: dict[str, str]) -> PostResult:
        self.calls.append((url, body, headers))
        code = self.answers.pop(0) if self.answers else 200
        return PostResult(code, None if code == 200 else f"HTTP {code}")


def setup(sessions: Sessions, screened: Screened, events: list[str]) -> None:
    with sessions.begin() as session:
        session.add(
            Webhook(
                webhook_id="w1",
                url="http://receiver/hook",
                events=events,
                secret=SECRET,
                description=None,
                active=True,
                created_by="adam",
                created_at=T,
            )
        )
    with sessions.begin() as session:
        process_screened(session, screened(), AlertRules(), T)


def delivery(sessions: Sessions) -> WebhookDelivery:
    with sessions() as session:
        return session.scalars(select(WebhookDelivery)).one()


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), b"1700000000.{}", hashlib.sha256).hexdigest()
    assert sign(SECRET, "1700000000", b"{}") == f"sha256={expected}"


def test_a_delivery_is_signed_and_carries_event_id_and_idempotency_key(
    sessions: Sessions, screened: Screened
) -> None:
    setup(sessions, screened, ["raised", "updated"])
    receiver, clock = Receiver([200]), Clock()
    deliverer = WebhookDeliverer(sessions, receiver, RetryPolicy(), clock)
    assert deliverer.deliver_once() == 1
    assert deliverer.deliver_once() == 0
    [(url, body, headers)] = receiver.calls
    assert url == "http://receiver/hook"
    assert verify(SECRET, headers, body)
    assert not verify("another secret", headers, body)
    assert headers["X-Tradewatch-Timestamp"] == str(int(T.timestamp()))
    event = AlertEvent.model_validate_json(body)
    assert headers["X-Tradewatch-Event-Id"] == event.event_id
    done = delivery(sessions)
    assert headers["Idempotency-Key"] == done.delivery_id
    assert (done.state, done.attempts, done.last_status_code) == ("delivered", 1, 200)


def test_a_failing_receiver_is_retried_with_backoff_then_marked_failed(
    sessions: Sessions, screened: Screened
) -> None:
    setup(sessions, screened, ["raised"])
    receiver, clock = Receiver([500, None, 503, 500]), Clock()
    before = WEBHOOK_DELIVERIES.labels("failed")._value.get()
    deliverer = WebhookDeliverer(
        sessions, receiver, RetryPolicy(max_attempts=3, backoff_s=10, backoff_max_s=15), clock
    )
    assert deliverer.deliver_once() == 1
    first = delivery(sessions)
    assert (first.state, first.attempts, first.next_attempt_at) == (
        "pending",
        1,
        T + timedelta(seconds=10),
    )
    clock.now = T + timedelta(seconds=9)
    assert deliverer.deliver_once() == 0  # not due yet
    clock.now = T + timedelta(seconds=10)
    assert deliverer.deliver_once() == 1
    assert delivery(sessions).next_attempt_at == clock.now + timedelta(seconds=15)  # capped
    clock.now += timedelta(seconds=15)
    assert deliverer.deliver_once() == 1
    final = delivery(sessions)
    assert (final.state, final.attempts, final.last_status_code) == ("failed", 3, 503)
    clock.now += timedelta(days=1)
    assert deliverer.deliver_once() == 0
    assert len(receiver.calls) == 3
    keys = {headers["Idempotency-Key"] for _, _, headers in receiver.calls}
    assert len(keys) == 1
    assert WEBHOOK_DELIVERIES.labels("failed")._value.get() - before == 1


def test_only_subscribed_events_are_delivered(sessions: Sessions, screened: Screened) -> None:
    setup(sessions, screened, ["updated"])
    with sessions() as session:
        assert list(session.scalars(select(WebhookDelivery))) == []


def test_policy_backoff_doubles() -> None:
    policy = RetryPolicy(max_attempts=5, backoff_s=2, backoff_max_s=100)
    delays = [(policy.next_attempt(n, T) or T) - T for n in range(1, 5)]
    assert [d.total_seconds() for d in delays] == [2, 4, 8, 16]
    assert policy.next_attempt(5, T) is None
