"""Rescreen one list version's delta: the service layer between the CLI and the domain.

Reads the window's distinct counterparties, screens each once against the delta, finds the
shipments of those that hit, and re-publishes each such shipment to `shipments.screened.v1` with
its screening brought up to the new version (`screening.rescreen` set). The alerting service
raises the alerts from there like any other: one code path for alert creation, deduplication,
persistence, the `alerts.v1` outbox and webhooks (docs/rescreen.md says why).
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker
from tqdm import tqdm

from services.rescreen import repository
from services.rescreen.delta import Delta, Window, window
from services.rescreen.parallel import ParallelMatcher
from services.rescreen.rescreen import Counterparty, DeltaMatcher, rescreened
from shared.kafka.records import Output, Producer
from shared.schemas import Match
from shared.watchlists.load import publish

RESCREEN_HEADER = "tw.rescreen"
"""`list:version` whose delta caused this screening; for tracing only."""
PUBLISH_CHUNK = 1000
"""Shipments read, rebuilt and published per round (bounds memory on a large hit set)."""
PARALLEL_MIN_COUNTERPARTIES = 20_000
PARALLEL_MIN_ENTRIES = 2_000
"""Worker processes only for a large delta against a large window. Each worker pays the
matcher's start-up (up to 9 CPU s when the delta holds people), and behind the gate a delta of a
few hundred entries leaves seconds of matching to share (docs/rescreen.md has the figures)."""


@dataclass(frozen=True)
class RescreenReport:
    list_id: str
    version: str
    window: Window | None
    entries: int
    counterparties: int = 0
    counterparties_screened: int = 0
    """Those the gate let through to a full screening."""
    counterparties_hit: int = 0
    workers: int = 1
    """Processes that screened: more than one only for a large delta and window."""
    shipments: int = 0
    screen_seconds: float = 0.0
    publish_seconds: float = 0.0
    matched: frozenset[tuple[str, str]] = frozenset()
    """(counterparty id, entry id) of every hit: which new entries matched whom."""

    def summary(self) -> str:
        head = f"rescreen {self.list_id} {self.version}: "
        if not self.entries:
            return head + "no added or changed entry, nothing to rescreen"
        assert self.window is not None
        since = f"{self.window.since:%Y-%m-%d %H:%M}"
        return (
            head + f"{self.entries} new or changed entries against {self.counterparties} "
            f"counterparties of shipments since {since} UTC ({self.window.lookback_days} days "
            f"before {self.window.as_of:%Y-%m-%d %H:%M}): {self.counterparties_screened} "
            f"screened in full past the gate, {self.counterparties_hit} matched, "
            f"{self.shipments} shipments re-published for alerting "
            f"(screening {self.screen_seconds:.1f} s{self._on_workers()}, "
            f"publishing {self.publish_seconds:.1f} s)"
        )

    def _on_workers(self) -> str:
        return f" on {self.workers} processes" if self.workers > 1 else ""


def rescreen_delta(
    sessions: sessionmaker[Session],
    producer: Producer,
    topic: str,
    delta: Delta,
    *,
    lookback_days: int,
    now: datetime,
    as_of: datetime | None = None,
    progress: bool = True,
    workers: int = 1,
) -> RescreenReport:
    """Rescreen the window's shipments against `delta`; `topic` is the full screened topic name.

    Idempotent: a rerun re-publishes the same screenings, which alerting applies without a new
    alert (alert ids are stable). Raises if any record is not acknowledged by the broker.
    `workers` > 1 screens on that many processes when the delta and the window are large
    enough to gain (`PARALLEL_MIN_ENTRIES`, `PARALLEL_MIN_COUNTERPARTIES`).
    """
    if not delta.has_new_entries:
        return RescreenReport(delta.list_id, delta.version, None, 0)
    started = time.perf_counter()
    with sessions() as session:
        span = window(
            lookback_days=lookback_days,
            now=now,
            newest_shipment=repository.newest_shipment_date(session),
            as_of=as_of,
        )
        total = repository.count_counterparties_since(session, span.since)
        stream = _progress(repository.counterparties_since(session, span.since), total, progress)
        matcher: DeltaMatcher | ParallelMatcher = (
            ParallelMatcher(delta, workers)
            if workers > 1
            and total >= PARALLEL_MIN_COUNTERPARTIES
            and len(delta.entries) >= PARALLEL_MIN_ENTRIES
            else DeltaMatcher(delta)
        )
        hits = dict(matcher.hits(stream))
        links = repository.parties_of(session, hits, span.since)
    screened_at = time.perf_counter()
    party_hits = _by_shipment(links, hits)
    header = (RESCREEN_HEADER, f"{delta.list_id}:{delta.version}".encode())
    keys = sorted(party_hits)
    published = 0
    for start in range(0, len(keys), PUBLISH_CHUNK):
        chunk = keys[start : start + PUBLISH_CHUNK]
        with sessions() as session:
            stored = repository.stored_screenings(session, chunk)
        outputs = [
            Output(
                topic,
                key,
                rescreened(stored[key], party_hits[key], delta, now).model_dump_json().encode(),
                [header],
            )
            for key in chunk
            if key in stored
        ]
        publish(producer, outputs, progress=False)
        published += len(outputs)
    return RescreenReport(
        list_id=delta.list_id,
        version=delta.version,
        window=span,
        entries=len(delta.entries),
        counterparties=total,
        counterparties_screened=matcher.screened,
        counterparties_hit=len(hits),
        workers=workers if isinstance(matcher, ParallelMatcher) else 1,
        shipments=published,
        screen_seconds=screened_at - started,
        publish_seconds=time.perf_counter() - screened_at,
        matched=frozenset((cp, m.entry_id) for cp, found in hits.items() for m in found),
    )


def _by_shipment(
    links: Iterable[repository.PartyLink], hits: Mapping[str, Sequence[Match]]
) -> dict[str, dict[int, Sequence[Match]]]:
    grouped: dict[str, dict[int, Sequence[Match]]] = defaultdict(dict)
    for link in links:
        grouped[link.shipment_key][link.party_index] = hits[link.counterparty_id]
    return dict(grouped)


def _progress(items: Iterator[Counterparty], total: int, enabled: bool) -> Iterator[Counterparty]:
    bar: Callable[..., Iterator[Counterparty]] = tqdm
    return bar(
        items,
        total=total,
        desc="rescreening",
        unit="cp",
        file=sys.stderr,
        disable=None if enabled else True,
        leave=False,
        mininterval=0.5,
    )
