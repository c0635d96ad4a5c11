"""`shipments.ingested.v1` record -> `shipments.screened.v1` record.

Decode the Shipment, screen every party (and the vessel, if the shipment names one, as a vessel
by name and IMO number) against the watchlist index, add the risk flags, encode
a ScreenedShipment keyed like the input (`source:shipment_id`). The `tw.ingested_at` header is
passed through and parsed into `ingested_at`.

What is poison: an empty value, bytes that are not JSON, JSON that is not a valid Shipment, and a
shipment the (pure, in-memory) screening raises on, since it would raise on every redelivery too.
What is transient: the watchlist index not being built yet, or its follower having failed: the
loop retries, then stops without committing.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from pydantic import ValidationError

from services.enrichment.chpl import ChplTable
from services.enrichment.country_risk import CountryRisk
from services.enrichment.index import WatchlistIndex
from services.enrichment.metrics import (
    MATCHES,
    PARTIES_SCREENED,
    PARTY_CACHE_HITS,
    PARTY_CACHE_MISSES,
    RISK_FLAGS,
    SCREENING_SECONDS,
)
from services.enrichment.risk import risk_flags
from shared.kafka.loop import BatchHandler, BatchResult, PoisonError, per_record
from shared.kafka.records import MAX_RECORD_BYTES, Output, Record
from shared.schemas import (
    PartyScreening,
    ScreenedShipment,
    Screening,
    Shipment,
    VesselScreening,
)

log = logging.getLogger(__name__)

INGESTED_AT_HEADER = "tw.ingested_at"
MAX_REASON_CHARS = 2000


@dataclass(frozen=True)
class HandlerConfig:
    output_topic: str
    threshold: float | None = None
    matches_per_party: int = 10


def decode_shipment(record: Record) -> Shipment:
    if record.value is None:
        raise PoisonError("empty_value", "a shipment record needs a value (got a tombstone)")
    try:
        data = orjson.loads(record.value)
    except orjson.JSONDecodeError as error:
        raise PoisonError("undecodable", f"not JSON: {error}") from error
    try:
        return Shipment.model_validate(data)
    except ValidationError as error:
        raise PoisonError("schema_invalid", str(error)[:MAX_REASON_CHARS]) from error


def parse_ingested_at(raw: bytes | None) -> datetime | None:
    """The `tw.ingested_at` header: ISO 8601 with an offset, or epoch milliseconds. Anything
    else is ignored (it only feeds the time-to-alert figure; never a reason to reject)."""
    if not raw:
        return None
    text = raw.decode("ascii", "replace").strip()
    try:
        if text.isdigit():
            return datetime.fromtimestamp(int(text) / 1000, UTC)
        parsed = datetime.fromisoformat(text)
    except (ValueError, OverflowError, OSError):
        return None
    return parsed if parsed.tzinfo is not None else None


class ShipmentScreener:
    """Screens one decoded shipment: parties and vessel against the index, then the risk flags."""

    def __init__(
        self,
        index: WatchlistIndex,
        chpl: ChplTable,
        countries: CountryRisk,
        config: HandlerConfig,
        clock: Callable[[], datetime],
    ) -> None:
        self._index = index
        self._chpl = chpl
        self._countries = countries
        self._config = config
        self._clock = clock

    def screen(self, shipment: Shipment) -> Screening:
        found = self._index.screen(
            shipment.parties,
            self._config.threshold,
            self._config.matches_per_party,
            vessel=shipment.vessel,
        )
        PARTY_CACHE_HITS.inc(found.cache_hits)
        PARTY_CACHE_MISSES.inc(found.screened - found.cache_hits)
        parties = [
            PartyScreening(party_index=i, role=party.role, name=party.name, matches=matches)
            for i, (party, matches) in enumerate(zip(shipment.parties, found.matches, strict=True))
        ]
        vessel = None
        if found.vessel is not None and shipment.vessel is not None:
            vessel = VesselScreening(
                name=shipment.vessel.name, imo=shipment.vessel.imo, matches=found.vessel
            )
        return Screening(
            screened_at=self._clock(),
            parties=parties,
            vessel=vessel,
            risk_flags=risk_flags(shipment, self._chpl, self._countries),
            list_versions=found.list_versions,
        )

    def handle(self, record: Record) -> list[Output]:
        shipment = decode_shipment(record)
        started = time.perf_counter()
        try:
            screening = self.screen(shipment)
        except Exception as error:
            # Pure in-memory work: what fails here fails on every redelivery.
            log.exception("screening failed for %s", record.where)
            raise PoisonError("screening_failed", repr(error)[:MAX_REASON_CHARS]) from error
        SCREENING_SECONDS.observe(time.perf_counter() - started)
        _count(screening)
        raw_ingested_at = record.header(INGESTED_AT_HEADER)
        screened = ScreenedShipment(
            shipment=shipment, screening=screening, ingested_at=parse_ingested_at(raw_ingested_at)
        )
        headers = [(INGESTED_AT_HEADER, raw_ingested_at)] if raw_ingested_at is not None else []
        value = screened.model_dump_json().encode()
        if len(value) > MAX_RECORD_BYTES:
            raise PoisonError(
                "record_too_large",
                f"the screened shipment is {len(value)} bytes, over the {MAX_RECORD_BYTES} limit",
            )
        return [Output(self._config.output_topic, shipment.key, value, headers)]


def _count(screening: Screening) -> None:
    PARTIES_SCREENED.inc(len(screening.parties))
    vessel_matches = screening.vessel.matches if screening.vessel is not None else []
    for match in itertools.chain(vessel_matches, *(p.matches for p in screening.parties)):
        MATCHES.labels(match.list_id).inc()
    for flag in screening.risk_flags:
        RISK_FLAGS.labels(flag.code).inc()


def make_handler(screener: ShipmentScreener, ensure_ready: Callable[[], None]) -> BatchHandler:
    """The batch handler: first make sure the index is built (transient if not), then screen
    each record; a poison record is rejected alone."""
    screen_each = per_record(screener.handle)

    def handle_batch(records: Sequence[Record]) -> BatchResult:
        ensure_ready()
        return screen_each(records)

    return handle_batch
