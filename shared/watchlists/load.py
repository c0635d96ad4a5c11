"""Load a list: parse, diff against the current version, store the version, publish the changes.

Order, so that a crash at any point loses nothing: (1) finish publishing any earlier version of
the list that was stored but not acknowledged; (2) if the input's checksum is the latest
version's, stop ("unchanged"); (3) parse and diff; (4) in one transaction store the version, the
new current entries and the changes, with `published_at` empty; (5) publish every change to
`watchlist.entries.v1` (key `list:entry_id`, the entry JSON, or a tombstone for a removal) and
wait for every acknowledgement; (6) set `published_at`. A rerun after a crash in (5) republishes
that version's changes (at least once; the topic is compacted, so duplicates collapse).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from tqdm import tqdm

from shared.kafka.records import Delivery, Output, Producer
from shared.schemas import entry_key
from shared.watchlists import repository as repo
from shared.watchlists.diff import content_hash, diff_hashes, entry_bytes, entry_json
from shared.watchlists.parsed import ParseResult, SourceError, Stamp
from shared.watchlists.report import LoadReport
from shared.watchlists.sources import parse_source
from shared.watchlists.spec import SourceSpec, checksum, parse_spec

Clock = Callable[[], datetime]
DELIVERY_TIMEOUT_S = 120.0
MAX_STORED_PROBLEMS = 1000


def utc_now() -> datetime:
    return datetime.now(UTC)


def load_list(
    format_spec: str,
    list_id: str | None,
    sessions: repo.Sessions,
    producer: Producer,
    topic: str,
    *,
    clock: Clock = utc_now,
    progress: bool = True,
) -> LoadReport:
    """Load `FORMAT:PATH[,PATH...]` as a new version of `list_id` (or the format's default).

    `topic` is the full topic name (with the settings' prefix). Raises `SourceError` when the
    input cannot be read at all; malformed rows are skipped and reported.
    """
    spec = parse_spec(format_spec)
    digest = checksum(spec)
    known_id = list_id or spec.format.default_list_id
    parsed: ParseResult | None = None
    parse_seconds = 0.0
    if known_id is None:  # tradewatch-jsonl names its list inside the file
        parsed, parse_seconds = _parse(spec, None, clock)
        known_id = parsed.list_id
    resumed = _publish_pending(sessions, producer, topic, known_id, clock, progress)
    with sessions() as session:
        latest = repo.latest_version(session, known_id)
    if latest is not None and latest.checksum == digest:
        return _unchanged(latest, spec, digest, topic, resumed)
    if parsed is None:
        parsed, parse_seconds = _parse(spec, known_id, clock)
    if not parsed.entries and parsed.problems:
        raise SourceError(f"{spec.describe()}: no valid entry ({len(parsed.problems)} malformed)")
    report = _store(sessions, spec, digest, parsed, clock)
    if report.status == "unchanged":
        return report
    sent = _publish_version(sessions, producer, topic, report.version_id, clock, progress)
    return replace(report, published=resumed + sent, topic=topic, parse_seconds=parse_seconds)


def _parse(spec: SourceSpec, list_id: str | None, clock: Clock) -> tuple[ParseResult, float]:
    started = time.perf_counter()
    # The version label needs the list's next sequence number; `_store` stamps it in.
    result = parse_source(spec, list_id, Stamp(version="pending", published_at=clock()))
    return result, time.perf_counter() - started


def _store(
    sessions: repo.Sessions, spec: SourceSpec, digest: str, parsed: ParseResult, clock: Clock
) -> LoadReport:
    loaded_at = clock()
    data = [entry_json(e) for e in parsed.entries]
    hashes = {d["entry_id"]: content_hash(d) for d in data}
    with sessions.begin() as session:
        repo.lock_list(session, parsed.list_id)
        latest = repo.latest_version(session, parsed.list_id)
        if latest is not None and latest.checksum == digest:  # a concurrent load won
            return _unchanged(latest, spec, digest, "", 0)
        seq = latest.seq + 1 if latest is not None else 1
        version = f"v{seq}-{digest[:8]}"
        diff = diff_hashes(repo.current_hashes(session, parsed.list_id), hashes)
        new = repo.NewVersion(
            list_id=parsed.list_id,
            seq=seq,
            version=version,
            format=spec.format.name,
            source=spec.describe(),
            checksum=digest,
            loaded_at=loaded_at,
            entry_count=len(data),
            problems=[str(p) for p in parsed.problems[:MAX_STORED_PROBLEMS]],
            orphans=parsed.orphans,
        )
        counts = (len(diff.added), len(diff.changed), len(diff.removed))
        version_id = repo.record_version(session, new, counts)
        by_id = {d["entry_id"]: d for d in data}
        upserts = []
        for change, ids in (("added", diff.added), ("changed", diff.changed)):
            for entry_id in ids:
                stamped = by_id[entry_id] | {
                    "list_version": version,
                    "published_at": loaded_at.isoformat().replace("+00:00", "Z"),
                }
                upserts.append((change, stamped, hashes[entry_id]))
        repo.apply_changes(session, parsed.list_id, version_id, upserts, diff.removed)
    return LoadReport(
        list_id=parsed.list_id,
        source=spec.describe(),
        checksum=digest,
        status="loaded",
        version_id=version_id,
        version=version,
        loaded_at=loaded_at,
        entry_count=len(data),
        rows=parsed.rows,
        added=tuple(diff.added),
        changed=tuple(diff.changed),
        removed=tuple(diff.removed),
        problems=tuple(parsed.problems),
        orphans=dict(parsed.orphans),
    )


def _publish_pending(
    sessions: repo.Sessions,
    producer: Producer,
    topic: str,
    list_id: str,
    clock: Clock,
    progress: bool,
) -> int:
    with sessions() as session:
        pending = repo.unpublished_versions(session, list_id)
    return sum(_publish_version(sessions, producer, topic, v.id, clock, progress) for v in pending)


def _publish_version(
    sessions: repo.Sessions,
    producer: Producer,
    topic: str,
    version_id: int,
    clock: Clock,
    progress: bool,
) -> int:
    with sessions() as session:
        changes = repo.stored_changes(session, version_id)
    outputs = [
        Output(
            topic=topic,
            key=entry_key(c.list_id, c.entry_id),
            value=entry_bytes(c.entry) if c.entry is not None else None,
        )
        for c in changes
    ]
    publish(producer, outputs, progress=progress)
    with sessions.begin() as session:
        repo.mark_published(session, version_id, clock())
    return len(outputs)


def publish(producer: Producer, outputs: Sequence[Output], *, progress: bool = True) -> None:
    """Send every output, then wait for each acknowledgement; raises if any send failed."""
    deliveries: list[Delivery] = []
    with tqdm(
        total=len(outputs) * 2,
        desc="publishing",
        unit="rec",
        file=sys.stderr,
        disable=None if progress else True,
        leave=False,
    ) as bar:
        for output in outputs:
            deliveries.append(producer.send(output))
            bar.update(1)
        producer.flush(DELIVERY_TIMEOUT_S)
        for delivery in deliveries:
            delivery.wait(DELIVERY_TIMEOUT_S)
            bar.update(1)


def _unchanged(
    latest: repo.VersionInfo, spec: SourceSpec, digest: str, topic: str, resumed: int
) -> LoadReport:
    return LoadReport(
        list_id=latest.list_id,
        source=spec.describe(),
        checksum=digest,
        status="unchanged",
        version_id=latest.id,
        version=latest.version,
        loaded_at=latest.loaded_at,
        entry_count=latest.entry_count,
        orphans=dict(latest.orphans),
        published=resumed,
        topic=topic,
    )
