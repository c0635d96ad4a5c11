"""Composition root of the enrichment service: settings -> watchlist follower -> handler -> loop.

`python -m services.enrichment` consumes `shipments.ingested.v1` (group `enrichment`), produces
`shipments.screened.v1`, serves /healthz, /readyz and /metrics on `Settings.enrichment_port`.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

from prometheus_client import REGISTRY

from services.enrichment.chpl import load_chpl
from services.enrichment.country_risk import load_country_risk
from services.enrichment.handler import HandlerConfig, ShipmentScreener, make_handler
from services.enrichment.index import WatchlistIndex
from services.enrichment.metrics import WatchlistCollector
from services.enrichment.watchlist_follower import TopicReader, WatchlistFollower
from shared.config import Settings, load_settings
from shared.heap import settle_heap
from shared.kafka.adapter import KafkaTopicReader
from shared.logging import configure_logging
from shared.runtime import ServiceSpec, client_id, run_consumer_service
from shared.schemas import WatchlistEntry
from shared.schemas.registry import SHIPMENTS_INGESTED, SHIPMENTS_SCREENED, WATCHLIST_ENTRIES
from shared.screening.screener import Screener

log = logging.getLogger(__name__)

SERVICE = "enrichment"
# How long one batch waits for the index before the loop counts a (transient) failure. The
# loop's retries with backoff must stay well inside the consumer's max.poll.interval (300 s).
READY_WAIT_S = 30.0
INDEX_BUILD_TIMEOUT_S = 600.0
WARM_UP_ENTRIES = (
    ("organization", "WARM UP TRADING LLC"),
    ("person", "IVAN WARMUP PETROV"),
    ("vessel", "WARM UP STAR"),
)


def service_spec(settings: Settings) -> ServiceSpec:
    # The group carries the topic prefix too: an isolated deployment (or test) must not join,
    # and rebalance, the workers of another.
    return ServiceSpec(
        name=SERVICE,
        group_id=settings.topic_prefix + SERVICE,
        topics=(SHIPMENTS_INGESTED.name,),
        port=settings.enrichment_port,
    )


def utc_now() -> datetime:
    return datetime.now(UTC)


def build_follower(settings: Settings, index: WatchlistIndex) -> WatchlistFollower:
    topic = settings.topic_prefix + WATCHLIST_ENTRIES.name

    def open_reader() -> TopicReader:
        return KafkaTopicReader(
            settings.kafka_bootstrap_servers, topic, client_id(f"{SERVICE}-watchlist")
        )

    return WatchlistFollower(
        open_reader, index, poll_timeout_ms=settings.poll_timeout_ms, on_ready=freeze_heap
    )


def build_screener(settings: Settings, index: WatchlistIndex) -> ShipmentScreener:
    config = HandlerConfig(output_topic=settings.topic_prefix + SHIPMENTS_SCREENED.name)
    return ShipmentScreener(index, load_chpl(), load_country_risk(), config, utc_now)


def warm_up_matcher() -> None:
    """Index and screen made-up parties once, in a throwaway screener, before any Kafka client
    exists. rigour builds its name tables on first use (the person-name tagger above all), in
    native code that holds the GIL for 10 to 30 s on this machine: inside a running consumer that
    starves the client's heartbeat thread and costs the worker its group membership."""
    published_at = utc_now()
    entries = [
        WatchlistEntry(
            list_id="warm-up",
            entry_id=str(i),
            kind=kind,
            name=name,
            list_version="warm-up",
            published_at=published_at,
        )
        for i, (kind, name) in enumerate(WARM_UP_ENTRIES)
    ]
    screener = Screener(entries)
    for _, name in WARM_UP_ENTRIES:
        screener.screen(name, country="RU", identifiers={"tax_id": "0"})


def freeze_heap() -> None:
    """Move what exists now (the index of every list, hundreds of thousands of objects) out of
    the garbage collector's reach: full collections then scan only what screening allocates,
    about a fifth more shipments per CPU second in `bench.enrichment` (see shared.heap)."""
    settle_heap()


def wait_for_index(follower: WatchlistFollower) -> None:
    """Build the index before joining the consumer group: nothing can be screened before it,
    and building it holds the GIL for seconds, which stalled the group join (seen in CI)."""
    started = time.monotonic()
    follower.wait_ready(INDEX_BUILD_TIMEOUT_S)
    log.info("watchlist index ready after %.1f s; joining the group", time.monotonic() - started)


def main() -> int:
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    started = time.monotonic()
    warm_up_matcher()
    log.info("matcher warmed up in %.1f s", time.monotonic() - started)
    index = WatchlistIndex(Screener([]))
    REGISTRY.register(WatchlistCollector(index.statuses, time.time))
    screener = build_screener(settings, index)
    follower = build_follower(settings, index)
    follower.start()
    try:
        return run_consumer_service(
            service_spec(settings),
            settings,
            lambda producer: make_handler(screener, lambda: follower.wait_ready(READY_WAIT_S)),
            extra_ready=follower.readiness,
            before_loop=lambda: wait_for_index(follower),
        )
    finally:
        follower.stop()
