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
from shared.kafka.records import Delivery, Output, Producer
from shared.schemas.shipment import Shipment, shipment_key

SERVICE = "ingest"
INGESTED_AT_HEADER = "tw.ingested_at"
MAX_DLQ_KEY_CHARS = 300


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
            value = encode(shipment)
        except ShipmentInvalid as invalid:
            rejected = Rejected(invalid.errors, _key_of(submission.value, default_source))
            return rejected, self._dead_letter(submission, rejected)
        headers = [(INGESTED_AT_HEADER, ingested_at.encode())]
        return Accepted(shipment.key), Output(self.topic, shipment.key, value, headers)

    def _dead_letter(self, submission: Submission, rejected: Rejected) -> Output:
        return dead_letter_input(
            submission.original,
            key=rejected.key,
            dlq_topic=self.dlq_topic,
            service=SERVICE,
            error_type=rejected.error_type,
            reason=rejected.reason,
            origin=submission.origin,
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


def encode(shipment: Shipment) -> bytes:
    """The topic value; a record that cannot be encoded is the sender's problem, not a crash."""
    try:
        return shipment.model_dump_json().encode()
    except (PydanticSerializationError, ValueError, UnicodeError) as error:
        raise ShipmentInvalid(
            [FieldError((), f"the record cannot be encoded as JSON: {error}", "unencodable")]
        ) from None


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
