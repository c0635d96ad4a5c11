"""Dead-letter records: the original bytes, and headers that say what went wrong where."""

from __future__ import annotations

from collections.abc import Sequence
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


def dead_letter_input(
    value: bytes | None,
    *,
    key: str | None,
    dlq_topic: str,
    service: str,
    error_type: str,
    reason: str,
    origin: Sequence[tuple[str, str]] = (),
) -> Output:
    """A dead letter for input that never was a Kafka record (an HTTP body, a line of a file).

    The same error headers as `dead_letter`; instead of a source topic/partition/offset, one
    `tw.dlq.<name>` header per `origin` pair says where the input came from (for example
    `("origin", "file")`, `("file", "customs.csv")`, `("line", "17")`).
    """
    now = datetime.now(UTC).isoformat()
    headers = [
        ("tw.dlq.service", service.encode()),
        *((f"tw.dlq.{name}", text.encode("utf-8", "replace")) for name, text in origin),
        ("tw.dlq.error_type", error_type.encode()),
        ("tw.dlq.reason", _cut_utf8(reason, MAX_REASON_BYTES)),
        ("tw.dlq.time", now.encode()),
    ]
    return Output(topic=dlq_topic, key=key, value=value, headers=headers)


def _cut_utf8(text: str, max_bytes: int) -> bytes:
    """At most `max_bytes` of UTF-8, never ending inside a character."""
    cut = text.encode("utf-8", "replace")[:max_bytes]
    return cut.decode("utf-8", "ignore").encode()
