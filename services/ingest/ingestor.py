"""Submissions in, records on the topic (or the DLQ) out, acknowledged by the broker.

`Ingestor` is the service layer every entry point shares: the HTTP route, the file command and
the one-process demo (which hands it the memory bus's producer). It decides nothing about
transport; it prepares each record, produces the accepted ones and dead-letters the rest, and
returns only once the broker has acknowledged every record it sent.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pydantic_core import PydanticSerializationError

from services.ingest.errors import FieldError, ShipmentInvalid
from services.ingest.metrics import INGEST_PRODUCE_SECONDS, INGEST_RECORDS
from services.ingest.prepare import prepare
from shared.kafka.dlq import dead_letter_input
from shared.kafka.records import MAX_RECORD_BYTES, Delivery, Output, Producer
from shared.schemas.shipment import Shipment, shipment_key

SERVICE = "ingest"
INGESTED_AT_HEADER = "tw.ingested_at"
MAX_DLQ_KEY_CHARS = 300
# The broker refuses records over message.max.bytes (1,048,588 by default), and kafka-python's
# idempotent producer treats that refusal as fatal: every later send fails too. So no record
# that large is ever sent: a shipment that large is rejected, and a dead letter's value is cut
# (its headers say so) with room left for the key and headers.
DLQ_HEADROOM_BYTES = 16_384


@dataclass(frozen=True)
class Submission:
    """One record as received.

    `value` is what it decoded to; `failures` say why it cannot even be looked at (a line that
    is not JSON, CSV rows that contradict each other). `original` is what goes to the DLQ if
    it is rejected; `origin` names where it came from, one `tw.dlq.<name>` header each.
    """

    value: object
    original: bytes | None
    origin: tuple[tuple[str, str], ...] = ()
    failures: tuple[FieldError, ...] = ()


@dataclass(frozen=True)
class Accepted:
    key: str


@dataclass(frozen=True)
class Rejected:
    errors: list[FieldError]
    key: str | None = None

    @property
    def error_type(self) -> str:
        return self.errors[0].type

    @property
    def reason(self) -> str:
        return ShipmentInvalid(self.errors).reason


Outcome = Accepted | Rejected


class DeliveryFailed(Exception):
    """The broker did not acknowledge a record: nothing is known to be ingested; send again."""


@dataclass
class Ingestor:
    producer: Producer
    topic: str
    dlq_topic: str
    delivery_timeout_s: float = 30.0
    max_record_bytes: int = MAX_RECORD_BYTES
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def ingest(
        self, submissions: Sequence[Submission], default_source: str | None = None
    ) -> list[Outcome]:
        """Prepare, produce and wait for the broker; raise DeliveryFailed if it does not answer.

        Re-sending after DeliveryFailed is safe: records keep their key and consumers dedupe.
        """
        outcomes: list[Outcome] = []
        outputs: list[Output] = []
        ingested_at = self.clock().astimezone(UTC).isoformat()
        for submission in submissions:
            outcome, output = self._one(submission, default_source, ingested_at)
            outcomes.append(outcome)
            outputs.append(output)
        self._produce(outputs)
        for outcome in outcomes:
            if isinstance(outcome, Accepted):
                INGEST_RECORDS.labels("accepted", "none").inc()
            else:
                INGEST_RECORDS.labels("rejected", outcome.error_type).inc()
        return outcomes

    def _one(
        self, submission: Submission, default_source: str | None, ingested_at: str
    ) -> tuple[Outcome, Output]:
        if submission.failures:
            rejected = Rejected(
                list(submission.failures), _key_of(submission.value, default_source)
            )
            return rejected, self._dead_letter(submission, rejected)
        try:
            shipment = prepare(submission.value, default_source)
            value = encode(shipment, self.max_record_bytes)
        except ShipmentInvalid as invalid:
            rejected = Rejected(invalid.errors, _key_of(submission.value, default_source))
            return rejected, self._dead_letter(submission, rejected)
        headers = [(INGESTED_AT_HEADER, ingested_at.encode())]
        return Accepted(shipment.key), Output(self.topic, shipment.key, value, headers)

    def _dead_letter(self, submission: Submission, rejected: Rejected) -> Output:
        value, origin = submission.original, submission.origin
        limit = self.max_record_bytes - DLQ_HEADROOM_BYTES
        if value is not None and len(value) > limit:
            origin = (*origin, ("truncated_from_bytes", str(len(value))))
            value = value[:limit]
        return dead_letter_input(
            value,
            key=rejected.key,
            dlq_topic=self.dlq_topic,
            service=SERVICE,
            error_type=rejected.error_type,
            reason=rejected.reason,
            origin=origin,
        )

    def _produce(self, outputs: list[Output]) -> None:
        started = time.monotonic()
        try:
            deliveries: list[Delivery] = [self.producer.send(output) for output in outputs]
            for delivery in deliveries:
                delivery.wait(self.delivery_timeout_s)
        except Exception as error:
            # Whatever the client library raises (timeout, broker error), the caller's answer is
            # the same: not acknowledged, send again.
            raise DeliveryFailed(f"the broker did not acknowledge: {error}") from error
        INGEST_PRODUCE_SECONDS.observe(time.monotonic() - started)


def encode(shipment: Shipment, max_bytes: int = MAX_RECORD_BYTES) -> bytes:
    """The topic value; a record that cannot be encoded, or is too large for the topic, is the
    sender's problem, not a crash."""
    try:
        value = shipment.model_dump_json().encode()
    except (PydanticSerializationError, ValueError, UnicodeError) as error:
        raise ShipmentInvalid(
            [FieldError((), f"the record cannot be encoded as JSON: {error}", "unencodable")]
        ) from None
    # Leave room for the key and headers within the broker's limit.
    if len(value) > max_bytes - DLQ_HEADROOM_BYTES:
        message = (
            f"the shipment is {len(value)} bytes as JSON; the topic takes at most "
            f"{max_bytes - DLQ_HEADROOM_BYTES}"
        )
        raise ShipmentInvalid([FieldError((), message, "record_too_large")])
    return value


def _key_of(value: object, default_source: str | None) -> str | None:
    """The key a rejected record would have had, when it names one, for finding it in the DLQ."""
    if not isinstance(value, dict):
        return None
    source = value.get("source") or default_source
    shipment_id = value.get("shipment_id")
    if isinstance(shipment_id, int) and shipment_id.bit_length() <= 64:
        shipment_id = str(shipment_id)
    if not isinstance(source, str) or not isinstance(shipment_id, str):
        return None
    key = shipment_key(source.strip(), shipment_id.strip())
    if len(key) > MAX_DLQ_KEY_CHARS or not key.isprintable():
        return None
    return key
