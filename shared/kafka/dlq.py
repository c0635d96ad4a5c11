"""Dead-letter records: the original bytes, and headers that say what went wrong where."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.kafka.records import Output, Record

MAX_REASON_BYTES = 4096


def dead_letter(
    record: Record, *, dlq_topic: str, service: str, error_type: str, reason: str
) -> Output:
    now = datetime.now(UTC).isoformat()
    headers = [
        *record.headers,
        ("tw.dlq.service", service.encode()),
        ("tw.dlq.source_topic", record.topic.encode()),
        ("tw.dlq.source_partition", str(record.partition).encode()),
        ("tw.dlq.source_offset", str(record.offset).encode()),
        ("tw.dlq.error_type", error_type.encode()),
        ("tw.dlq.reason", reason.encode("utf-8", "replace")[:MAX_REASON_BYTES]),
        ("tw.dlq.time", now.encode()),
    ]
    key = record.key.decode("utf-8", "replace") if record.key is not None else None
    return Output(topic=dlq_topic, key=key, value=record.value, headers=headers)
