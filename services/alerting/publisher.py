"""Publishes the `alerts.v1` outbox: oldest first, one publisher at a time across workers.

A row is marked published only after the broker acknowledged it; a crash in between publishes it
again (at least once; consumers dedupe on `event_id`, also sent as header `tw.event_id`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from services.alerting.metrics import ALERT_EVENTS_PUBLISHED, OPEN_ALERTS
from services.alerting.repository import alerts as alert_rows
from services.alerting.repository import outbox
from services.alerting.repository.dialect import try_lock
from services.alerting.repository.transactions import transaction
from services.alerting.workflow import OPEN_STATUSES
from shared.kafka.records import Output, Producer

DELIVERY_TIMEOUT_S = 60.0
# pg_try_advisory_xact_lock key: one publisher at a time keeps events in outbox order.
PUBLISHER_LOCK_ID = 0x7457_0A1E


class OutboxPublisher:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        producer: Producer,
        topic: str,
        clock: Callable[[], datetime],
        batch_size: int = 500,
    ) -> None:
        self._sessions = sessions
        self._producer = producer
        self._topic = topic
        self._clock = clock
        self.batch_size = batch_size

    def publish_once(self) -> int:
        """Publish up to one batch; return how many events went out."""
        with transaction(self._sessions) as session:
            if not try_lock(session, PUBLISHER_LOCK_ID):
                return 0
            rows = outbox.unpublished(session, self.batch_size)
            if not rows:
                return 0
            deliveries = [
                self._producer.send(
                    Output(
                        self._topic,
                        row.alert_id,
                        row.payload.encode(),
                        headers=[
                            ("tw.event_id", row.event_id.encode()),
                            ("tw.event", row.event_type.encode()),
                        ],
                    )
                )
                for row in rows
            ]
            self._producer.flush(DELIVERY_TIMEOUT_S)
            for delivery in deliveries:
                delivery.wait(DELIVERY_TIMEOUT_S)
            outbox.mark_published(session, [row.outbox_id for row in rows], self._clock())
        ALERT_EVENTS_PUBLISHED.inc(len(rows))
        return len(rows)

    def step(self) -> bool:
        return self.publish_once() >= self.batch_size


def refresh_open_alerts(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        counts = alert_rows.count_by_status(session)
    OPEN_ALERTS.set(sum(counts.get(status, 0) for status in OPEN_STATUSES))
