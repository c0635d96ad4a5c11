"""The batch handler: decode ScreenedShipment records, process them in ONE transaction, return.

The loop commits offsets only after this returns, so the database commit always precedes the
offset commit. Events for `alerts.v1` are not returned as outputs: they are written to the
outbox in the same transaction and published by `publisher.OutboxPublisher` (right after the
commit, by `after_commit`), so a crash between the database commit and a produce cannot lose
them (see docs/alerting.md).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from services.alerting.metrics import ALERTS_RAISED, INGEST_TO_ALERT_SECONDS, SUPPRESSED_MATCHES
from services.alerting.recent import RecentCounterparties
from services.alerting.repository.transactions import RejectedByDatabase, transaction
from services.alerting.rules import inconsistencies
from services.alerting.rules_config import AlertRules
from services.alerting.screened import Outcome, process_batch
from shared.kafka.loop import BatchHandler, BatchResult, PoisonError, Rejected
from shared.kafka.records import Record
from shared.schemas import ScreenedShipment

log = logging.getLogger(__name__)

INGESTED_AT_HEADER = "tw.ingested_at"

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Decoded:
    record: Record
    screened: ScreenedShipment
    ingested_at: datetime | None


def decode(record: Record) -> Decoded:
    """The record's ScreenedShipment, or PoisonError saying why it can never be one."""
    if record.value is None:
        raise PoisonError("tombstone", "a null value is not a screened shipment")
    if b"\\u0000" in record.value:
        raise PoisonError("business_invalid", "text contains NUL (\\u0000), which cannot be stored")
    try:
        screened = ScreenedShipment.model_validate_json(record.value)
    except ValidationError as error:
        kind = "undecodable" if error.errors()[0]["type"] == "json_invalid" else "schema_invalid"
        raise PoisonError(kind, str(error)) from error
    problems = inconsistencies(screened)
    if problems:
        raise PoisonError("business_invalid", "; ".join(problems))
    return Decoded(record, screened, _ingested_at(record) or screened.ingested_at)


def _ingested_at(record: Record) -> datetime | None:
    raw = record.header(INGESTED_AT_HEADER)
    if not raw:
        return None
    text = raw.decode("ascii", "replace").strip()
    try:
        if text.isdigit():
            return datetime.fromtimestamp(int(text) / 1000, UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def make_handler(
    sessions: sessionmaker[Session],
    rules: AlertRules,
    *,
    after_commit: Callable[[int], None] = lambda events: None,
    clock: Clock = lambda: datetime.now(UTC),
) -> BatchHandler:
    """`after_commit(events)` runs once a batch's transaction has committed, with the number of
    `alerts.v1` events it wrote to the outbox (publish them)."""
    recent = RecentCounterparties()

    def handle(records: Sequence[Record]) -> BatchResult:
        result = BatchResult()
        decoded: list[Decoded] = []
        for record in records:
            try:
                decoded.append(decode(record))
            except PoisonError as error:
                result.rejected.append(Rejected(record, error.error_type, error.reason))
        if not decoded:
            return result
        now = clock()
        try:
            outcomes = _commit(sessions, decoded, rules, now, recent)
        except RejectedByDatabase:
            # Find the record(s) the database refuses; the others must not be held back.
            outcomes = []
            for item in decoded:
                try:
                    outcomes.extend(_commit(sessions, [item], rules, now, recent))
                except RejectedByDatabase as error:
                    result.rejected.append(Rejected(item.record, "db_rejected", str(error)))
        _observe(outcomes, clock())
        after_commit(sum(len(outcome.events) for _, outcome in outcomes))
        return result

    return handle


def _commit(
    sessions: sessionmaker[Session],
    decoded: Sequence[Decoded],
    rules: AlertRules,
    now: datetime,
    recent: RecentCounterparties,
) -> list[tuple[Decoded, Outcome]]:
    screened = [d.screened for d in decoded]
    relied_on_memory = bool(recent)
    try:
        with transaction(sessions) as session:
            outcomes = process_batch(session, screened, rules, now, recent=recent)
    except IntegrityError:
        recent.forget()
        if not relied_on_memory:
            raise
        # Counterparties it remembered are gone (a restore, a clean-up): write them all again.
        log.warning("counterparties this worker had stored are gone; writing them again")
        return _commit(sessions, decoded, rules, now, recent)
    except BaseException:
        recent.forget()
        raise
    recent.committed()
    return list(zip(decoded, outcomes, strict=True))


def _observe(outcomes: list[tuple[Decoded, Outcome]], now: datetime) -> None:
    for item, outcome in outcomes:
        if outcome.suppressed:
            SUPPRESSED_MATCHES.inc(outcome.suppressed)
        for raised in outcome.raised:
            ALERTS_RAISED.labels(raised.list_id, raised.severity, raised.reason).inc()
            if item.ingested_at is not None and not item.screened.screening.rescreen:
                INGEST_TO_ALERT_SECONDS.observe(max(0.0, (now - item.ingested_at).total_seconds()))
        if outcome.raised or outcome.events:
            log.info(
                "%s %s: %d raised, %d updated",
                item.record.where,
                outcome.shipment_key,
                len(outcome.raised),
                len(outcome.events) - len(outcome.raised),
            )
