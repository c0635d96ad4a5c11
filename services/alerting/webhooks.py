"""Webhook delivery from the outbox: signed, retried with exponential backoff, then failed.

Each POST carries the alert event JSON as its body and these headers:
  X-Tradewatch-Timestamp   unix seconds of this attempt
  X-Tradewatch-Signature   sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
  X-Tradewatch-Event-Id    the event's id (the same for every webhook and attempt)
  Idempotency-Key          the delivery's id (the same for every attempt of this delivery)
A 2xx answer delivers; anything else (or no answer) is retried until `max_attempts`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy.orm import Session, sessionmaker

from services.alerting.metrics import WEBHOOK_DELIVERIES
from services.alerting.repository import webhooks as webhook_rows
from services.alerting.repository.transactions import transaction

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Tradewatch-Signature"
TIMESTAMP_HEADER = "X-Tradewatch-Timestamp"
EVENT_ID_HEADER = "X-Tradewatch-Event-Id"
IDEMPOTENCY_HEADER = "Idempotency-Key"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify(secret: str, headers: Mapping[str, str], body: bytes) -> bool:
    """What a receiver does (also in docs/alerting.md); tests use it as the receiver."""
    timestamp = headers.get(TIMESTAMP_HEADER, "")
    return hmac.compare_digest(sign(secret, timestamp, body), headers.get(SIGNATURE_HEADER, ""))


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    backoff_s: float = 2.0
    backoff_max_s: float = 600.0

    def next_attempt(self, attempts_made: int, now: datetime) -> datetime | None:
        """After `attempts_made` failed attempts: when to try again, or None to give up."""
        if attempts_made >= self.max_attempts:
            return None
        delay_s = min(self.backoff_s * 2 ** (attempts_made - 1), self.backoff_max_s)
        return now + timedelta(seconds=delay_s)


@dataclass(frozen=True)
class PostResult:
    status_code: int | None
    error: str | None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


Post = Callable[[str, bytes, dict[str, str]], PostResult]


def http_post(timeout_s: float) -> Post:
    client = httpx.Client(timeout=timeout_s, follow_redirects=False)

    def post(url: str, body: bytes, headers: dict[str, str]) -> PostResult:
        try:
            response = client.post(url, content=body, headers=headers)
        except httpx.HTTPError as error:
            return PostResult(None, f"{type(error).__name__}: {error}"[:1000])
        problem = None if response.is_success else f"HTTP {response.status_code}"
        return PostResult(response.status_code, problem)

    return post


class WebhookDeliverer:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        post: Post,
        policy: RetryPolicy,
        clock: Callable[[], datetime],
        *,
        batch_size: int = 20,
        lease: timedelta = timedelta(minutes=2),
    ) -> None:
        self._sessions = sessions
        self._post = post
        self._policy = policy
        self._clock = clock
        self._batch_size = batch_size
        self._lease = lease

    def deliver_once(self) -> int:
        """Try every due delivery (up to a batch); return how many were tried."""
        with transaction(self._sessions) as session:
            due = webhook_rows.claim_due(session, self._clock(), self._batch_size, self._lease)
        for delivery in due:
            self._attempt(delivery)
        return len(due)

    def step(self) -> bool:
        return self.deliver_once() >= self._batch_size

    def _attempt(self, delivery: webhook_rows.DueDelivery) -> None:
        timestamp = str(int(self._clock().timestamp()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "tradewatch-webhooks/1",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(delivery.secret, timestamp, delivery.payload),
            EVENT_ID_HEADER: delivery.event_id,
            IDEMPOTENCY_HEADER: delivery.delivery_id,
        }
        result = self._post(delivery.url, delivery.payload, headers)
        now = self._clock()
        retry_at = (
            None if result.delivered else self._policy.next_attempt(delivery.attempts + 1, now)
        )
        outcome = "delivered" if result.delivered else ("retry" if retry_at else "failed")
        with transaction(self._sessions) as session:
            webhook_rows.record_attempt(
                session,
                webhook_rows.Attempt(
                    delivery_id=delivery.delivery_id,
                    at=now,
                    delivered=result.delivered,
                    status_code=result.status_code,
                    error=result.error,
                    next_attempt_at=retry_at,
                ),
            )
        WEBHOOK_DELIVERIES.labels(outcome).inc()
        if not result.delivered:
            log.warning(
                "webhook %s delivery %s attempt %d: %s (%s)",
                delivery.webhook_id,
                delivery.delivery_id,
                delivery.attempts + 1,
                result.error,
                outcome,
            )
