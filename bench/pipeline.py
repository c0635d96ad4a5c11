"""The two measurements of `python -m bench`: sustained throughput and ingest-to-alert latency.

Throughput: shipments completed per second over a fixed window, where "completed" is the last
stage's consumer group committing past the record (for the real pipeline: alerting has stored it
in PostgreSQL and committed, so it will never be handled again). Latency: from ingest's 202 for a
shipment to a consumer of `alerts.v1` receiving its `raised` event.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

import orjson
from prometheus_client.parser import text_string_to_metric_families
from tqdm import tqdm

from bench.cpu import CpuUse, snapshot
from bench.feeders import Accepted, EncodedShipments, HttpRateFeeder, TopicFeeder
from bench.workload import Shipment
from shared.kafka.adapter import KafkaAdmin, KafkaProducerAdapter, KafkaTopicReader

MONITOR_INTERVAL_S = 0.25


@dataclass(frozen=True)
class Stage:
    """A consumer group and the topic it consumes: its committed offsets are its progress."""

    name: str
    group_id: str
    topic: str


class OffsetsMonitor(threading.Thread):
    """Polls each stage's committed offsets (summed over partitions) a few times a second."""

    def __init__(self, bootstrap_servers: str, stages: list[Stage]) -> None:
        super().__init__(name="offsets-monitor", daemon=True)
        self._admin = KafkaAdmin(bootstrap_servers, client_id="tradewatch-bench-monitor")
        self._stages = stages
        self._stopping = threading.Event()
        self.committed: dict[str, int] = {stage.name: 0 for stage in stages}
        self.ready = threading.Event()

    def run(self) -> None:
        try:
            while not self._stopping.is_set():
                for stage in self._stages:
                    offsets = self._admin.committed_offsets(stage.group_id, stage.topic)
                    self.committed[stage.name] = sum(offsets.values())
                self.ready.set()
                self._stopping.wait(MONITOR_INTERVAL_S)
        finally:
            self._admin.close()

    def stop(self) -> None:
        self._stopping.set()
        self.join(10.0)


Counters = Callable[[], dict[str, float]]


def prometheus_counters(text: str, prefix: str) -> dict[str, float]:
    """Every sample of the exposition `text` whose name starts with `prefix`, keyed by its name
    and labels (e.g. `tradewatch_enrichment_party_cache_total{outcome=hit}`)."""
    found: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.startswith(prefix):
                labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
                found[f"{sample.name}{{{labels}}}"] = sample.value
    return found


def counted_since(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {k: v - before.get(k, 0.0) for k, v in after.items()}


@dataclass(frozen=True)
class Throughput:
    label: str
    completed: int
    seconds: float
    stage_counts: dict[str, int]
    cpu: CpuUse
    counters: dict[str, float]
    """What `counters` (e.g. the services' metrics) counted during the window."""

    @property
    def per_second(self) -> float:
        return self.completed / self.seconds


def measure_throughput(
    label: str,
    bootstrap_servers: str,
    shipments: EncodedShipments,
    stages: list[Stage],
    pids: Mapping[str, int | None],
    *,
    seconds: float,
    warmup_s: float,
    window: int,
    counters: Counters = dict,
) -> Throughput:
    """Feed as fast as the last of `stages` completes; count what it completes in `seconds`
    after `warmup_s` of filling the pipeline."""
    last = stages[-1].name
    monitor = OffsetsMonitor(bootstrap_servers, stages)
    monitor.start()
    monitor.ready.wait(30.0)
    base = monitor.committed[last]
    producer = KafkaProducerAdapter(bootstrap_servers, "tradewatch-bench-feeder")
    feeder = TopicFeeder(producer, shipments, lambda: monitor.committed[last] - base, window=window)
    feeder.start()
    try:
        _wait_with_bar(f"{label}: warm-up", warmup_s, monitor, last, feeder)
        before, counted_before = dict(monitor.committed), counters()
        cpu_before = snapshot(pids)
        _wait_with_bar(f"{label}: measuring", seconds, monitor, last, feeder)
        after, counted_after = dict(monitor.committed), counters()
        cpu = snapshot(pids).since(cpu_before)
    finally:
        feeder.stop()
        producer.close(30.0)
        monitor.stop()
    if feeder.error is not None:
        raise RuntimeError(f"the feeder failed: {feeder.error!r}") from feeder.error
    counts = {name: after[name] - before[name] for name in after}
    counted = counted_since(counted_before, counted_after)
    return Throughput(label, counts[last], cpu.wall_s, counts, cpu, counted)


def _wait_with_bar(
    title: str, seconds: float, monitor: OffsetsMonitor, last: str, feeder: TopicFeeder
) -> None:
    started = time.monotonic()
    first = monitor.committed[last]
    with tqdm(total=round(seconds), desc=title, unit="s", leave=False) as bar:
        while (elapsed := time.monotonic() - started) < seconds:
            if feeder.error is not None or not feeder.is_alive():
                raise RuntimeError(f"the feeder stopped: {feeder.error!r}")
            time.sleep(min(1.0, seconds - elapsed))
            done = monitor.committed[last] - first
            bar.n = round(time.monotonic() - started)
            bar.set_postfix_str(
                f"{done / max(time.monotonic() - started, 1e-6):,.0f} shipments/s,"
                f" {feeder.produced:,} produced"
            )


def drain(bootstrap_servers: str, stages: list[Stage], timeout_s: float) -> None:
    """Wait until every stage has committed up to the end of the topic it consumes."""
    admin = KafkaAdmin(bootstrap_servers, client_id="tradewatch-bench-drain")
    deadline = time.monotonic() + timeout_s
    try:
        with tqdm(desc="draining the pipeline", unit=" records", leave=False) as bar:
            while time.monotonic() < deadline:
                behind = sum(
                    max(0, end - admin.committed_offsets(s.group_id, s.topic).get(p, 0))
                    for s in stages
                    for p, end in admin.end_offsets(s.topic).items()
                )
                bar.set_postfix_str(f"{behind:,} behind")
                if behind == 0:
                    return
                time.sleep(0.5)
    finally:
        admin.close()
    raise RuntimeError(f"the pipeline did not drain within {timeout_s:.0f} s")


@dataclass(frozen=True)
class AlertSeen:
    """When a shipment's first `raised` event was received, and the two times it carries:
    `raised_at` (alerting's clock when it began the batch's transaction) and the record's
    CreateTime (the outbox publisher's send)."""

    received_s: float
    raised_s: float
    published_s: float


class AlertWatcher(threading.Thread):
    """Reads `alerts.v1` from the start; notes when each shipment's first `raised` arrived."""

    def __init__(self, bootstrap_servers: str, topic: str) -> None:
        super().__init__(name="alerts-watcher", daemon=True)
        self._reader = KafkaTopicReader(bootstrap_servers, topic, "tradewatch-bench-alerts")
        self._stopping = threading.Event()
        self.seen: dict[str, AlertSeen] = {}

    def run(self) -> None:
        try:
            while not self._stopping.is_set():
                records = self._reader.poll(100, 5000)
                now = time.time()
                for record in records:
                    event = orjson.loads(record.value or b"{}")
                    shipment_id = str(event.get("shipment_id"))
                    if event.get("event") != "raised" or shipment_id in self.seen:
                        continue
                    raised = datetime.fromisoformat(str(event["raised_at"]).replace("Z", "+00:00"))
                    self.seen[shipment_id] = AlertSeen(
                        now, raised.timestamp(), record.timestamp_ms / 1000
                    )
        finally:
            self._reader.close()

    def stop(self) -> None:
        self._stopping.set()
        self.join(10.0)


@dataclass(frozen=True)
class Latency:
    rate_per_s: int
    sent: int
    accepted: int
    send_seconds: float
    planted: int
    alerted: int
    failed_requests: int
    first_failure: str
    seconds: list[float]
    stages: dict[str, list[float]]
    """The latency in three parts: accepted -> alerting's batch (two Kafka hops, enrichment),
    -> published on alerts.v1 (the database transaction, the outbox), -> received."""
    cpu: CpuUse
    not_alerted: list[str]
    """The listed names of (up to ten) planted shipments that raised no alert."""
    counters: dict[str, float]
    """What `counters` counted while sending."""

    def percentile(self, share: float, stage: str | None = None) -> float:
        ordered = sorted(self.seconds if stage is None else self.stages[stage])
        if not ordered:
            return float("nan")
        # Nearest rank: the smallest value with at least `share` of the values at or below it.
        return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def measure_latency(
    watcher: AlertWatcher,
    url: str,
    api_key: str,
    shipments: list[Shipment],
    rate_per_s: int,
    *,
    settle_s: float,
    pids: Mapping[str, int | None],
    counters: Counters = dict,
    on_progress: Callable[[int], None] | None = None,
) -> Latency:
    """POST `shipments` at `rate_per_s`; wait up to `settle_s` for the planted ones' alerts.
    CPU is counted while sending (every stage is busy then, at the rate)."""
    feeder = HttpRateFeeder(url, api_key, shipments, rate_per_s=rate_per_s)
    cpu_before, counted_before = snapshot(pids), counters()
    started = time.monotonic()
    with tqdm(total=len(shipments), desc=f"latency at {rate_per_s}/s", leave=False) as bar:
        accepted: Accepted = feeder.run(on_tick=on_progress or bar.update)
    send_seconds = time.monotonic() - started
    cpu, counted = snapshot(pids).since(cpu_before), counted_since(counted_before, counters())
    deadline = time.monotonic() + settle_s
    while time.monotonic() < deadline and not accepted.planted.keys() <= watcher.seen.keys():
        time.sleep(0.1)
    seen = [
        (accepted.at[sid], watcher.seen[sid]) for sid in accepted.planted if sid in watcher.seen
    ]
    seconds = [alert.received_s - at for at, alert in seen]
    stages = {
        "to alerting": [alert.raised_s - at for at, alert in seen],
        "to alerts.v1": [alert.published_s - alert.raised_s for _, alert in seen],
        "to consumer": [alert.received_s - alert.published_s for _, alert in seen],
    }
    return Latency(
        rate_per_s=rate_per_s,
        sent=accepted.sent,
        accepted=len(accepted.at),
        send_seconds=send_seconds,
        planted=len(accepted.planted),
        alerted=len(seconds),
        failed_requests=accepted.failed_requests,
        first_failure=accepted.first_failure,
        seconds=seconds,
        stages=stages,
        cpu=cpu,
        not_alerted=[name for sid, name in accepted.planted.items() if sid not in watcher.seen][
            :10
        ],
        counters=counted,
    )
