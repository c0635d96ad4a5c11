"""Load for the benchmark: straight to the topic as fast as it drains, or to ingest's HTTP API at
a fixed rate.

`TopicFeeder` is the throughput phase's source: it produces ready-made `shipments.ingested.v1`
records with the project's producer (acks=all, idempotent), keeping a bounded backlog ahead of
the last stage's committed offsets, so that the stages share the CPU as they would at a steady
input rate (an unbounded backlog would let the first stage run ahead and starve the last). The
bound is `ahead_s` seconds of the last stage's recent completions, and at least `window`
records: a fixed count would cap the throughput itself, at about the count divided by the time
from a record's produce to its commit (the loop commits about once a second), which a fast
pipeline reaches first: with 10,000 records, the null pipeline stopped at 7,500/s with a third
of the machine idle. `HttpRateFeeder` is the latency phase's: every tick it POSTs the tick's
shipments, on a schedule that does not wait for answers, and notes when each was accepted (the
202).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
import orjson

from bench.workload import Shipment, ShipmentFactory, encode_for_topic, unique_word
from shared.kafka.records import Output, Producer

PLACEHOLDER_ID = "XXSHIPMENTIDXX"
NEW_PARTY_MARKER = "QQNEWPARTYQQ"
"""Give it to the ShipmentFactory (`new_marker`) whose shipments `EncodedShipments` takes."""
INGESTED_AT_HEADER = "tw.ingested_at"
DELIVERY_TIMEOUT_S = 60.0
AHEAD_S = 5.0
"""The throughput phase's backlog, in seconds of the last stage's completions."""
RATE_SAMPLE_S = 0.5
RATE_SPAN_S = 3.0


class EncodedShipments:
    """An endless stream of distinct `shipments.ingested.v1` records, cheap to make: each is one
    of `templates` prepared and encoded shipments with a fresh shipment id spliced in, and a word
    never used before in place of NEW_PARTY_MARKER (so a party made up afresh stays new to the
    enrichment's per-party cache however often its template comes round)."""

    def __init__(self, factory: ShipmentFactory, templates: int, topic: str, id_prefix: str):
        self._topic = topic
        self._id_prefix = id_prefix
        self._values: list[bytes] = []
        for _ in range(templates):
            _, value = encode_for_topic(factory.make(PLACEHOLDER_ID))
            if value.count(PLACEHOLDER_ID.encode()) != 1:
                raise ValueError("the shipment id must appear once in an encoded shipment")
            self._values.append(value)
        self._source = factory.make(PLACEHOLDER_ID).body["source"]
        self.made = 0

    def take(self, count: int) -> list[Output]:
        ingested_at = datetime.now(UTC).isoformat().encode()
        outputs = []
        for _ in range(count):
            shipment_id = f"{self._id_prefix}{self.made:09d}"
            value = (
                self._values[self.made % len(self._values)]
                .replace(PLACEHOLDER_ID.encode(), shipment_id.encode())
                .replace(NEW_PARTY_MARKER.encode(), unique_word(self.made).encode())
            )
            outputs.append(
                Output(
                    self._topic,
                    f"{self._source}:{shipment_id}",
                    value,
                    [(INGESTED_AT_HEADER, ingested_at)],
                )
            )
            self.made += 1
        return outputs


class Backlog:
    """How many records may be ahead of the last stage: `ahead_s` seconds of its completions over
    the last few seconds, and at least `minimum`."""

    def __init__(self, minimum: int, ahead_s: float, clock: Callable[[], float]) -> None:
        self._minimum = minimum
        self._ahead_s = ahead_s
        self._clock = clock
        self._samples: deque[tuple[float, int]] = deque()

    def limit(self, completed: int) -> int:
        now = self._clock()
        samples = self._samples
        if not samples or now - samples[-1][0] >= RATE_SAMPLE_S:
            samples.append((now, completed))
        while len(samples) > 2 and now - samples[1][0] >= RATE_SPAN_S:
            samples.popleft()
        first_at, first = samples[0]
        rate = (completed - first) / (now - first_at) if now > first_at else 0.0
        return max(self._minimum, int(rate * self._ahead_s))


class TopicFeeder(threading.Thread):
    def __init__(
        self,
        producer: Producer,
        shipments: EncodedShipments,
        completed: Callable[[], int],
        *,
        window: int,
        ahead_s: float = AHEAD_S,
        chunk: int = 500,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(name="topic-feeder", daemon=True)
        self._producer = producer
        self._shipments = shipments
        self._completed = completed
        self._bound = Backlog(window, ahead_s, clock)
        self._chunk = chunk
        self._stopping = threading.Event()
        self.produced = 0
        self.error: BaseException | None = None

    def stop(self) -> None:
        self._stopping.set()
        self.join(DELIVERY_TIMEOUT_S)

    def run(self) -> None:
        try:
            while not self._stopping.is_set():
                if self.produced - self._completed() >= self._bound.limit(self._completed()):
                    self._stopping.wait(0.02)
                    continue
                deliveries = [self._producer.send(o) for o in self._shipments.take(self._chunk)]
                self._producer.flush(DELIVERY_TIMEOUT_S)
                for delivery in deliveries:
                    delivery.wait(DELIVERY_TIMEOUT_S)
                self.produced += len(deliveries)
        except BaseException as error:
            self.error = error


@dataclass
class Accepted:
    """What the HTTP feeder sent: when each shipment was accepted, which ones must alert."""

    at: dict[str, float] = field(default_factory=dict)
    planted: dict[str, str] = field(default_factory=dict)
    """shipment id -> the listed name it carries"""
    sent: int = 0
    failed_requests: int = 0
    first_failure: str = ""


class HttpRateFeeder:
    def __init__(
        self,
        url: str,
        api_key: str,
        shipments: Sequence[Shipment],
        *,
        rate_per_s: int,
        tick_s: float = 0.05,
        workers: int = 8,
    ) -> None:
        self._url = url
        self._headers = {"X-API-Key": api_key, "Content-Type": "application/json"}
        per_tick = max(1, round(rate_per_s * tick_s))
        self._ticks = [shipments[i : i + per_tick] for i in range(0, len(shipments), per_tick)]
        self._tick_s = per_tick / rate_per_s
        self._workers = workers
        self.accepted = Accepted()
        self._lock = threading.Lock()

    @property
    def duration_s(self) -> float:
        return len(self._ticks) * self._tick_s

    def run(self, on_tick: Callable[[int], None] = lambda sent: None) -> Accepted:
        """Send every tick on schedule (late ticks go at once); return once all are answered."""
        bodies = [orjson.dumps([s.body for s in tick]) for tick in self._ticks]
        futures: list[Future[None]] = []
        with (
            httpx.Client(timeout=60.0, limits=httpx.Limits(max_connections=self._workers)) as http,
            ThreadPoolExecutor(self._workers, thread_name_prefix="http-feeder") as pool,
        ):
            started = time.monotonic()
            for index, (tick, body) in enumerate(zip(self._ticks, bodies, strict=True)):
                delay = started + index * self._tick_s - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                futures.append(pool.submit(self._post, http, tick, body))
                self.accepted.sent += len(tick)
                on_tick(len(tick))
            for future in futures:
                future.result()
        return self.accepted

    def _post(self, http: httpx.Client, tick: Sequence[Shipment], body: bytes) -> None:
        try:
            response = http.post(self._url, content=body, headers=self._headers)
            ok = response.status_code == 202
            failure = "" if ok else f"{response.status_code} {response.text[:300]}"
        except httpx.HTTPError as error:
            ok, failure = False, repr(error)
        now = time.time()
        with self._lock:
            if not ok:
                self.accepted.failed_requests += 1
                self.accepted.first_failure = self.accepted.first_failure or failure
                return
            for shipment in tick:
                self.accepted.at[shipment.shipment_id] = now
                if shipment.planted is not None:
                    self.accepted.planted[shipment.shipment_id] = shipment.planted.name
