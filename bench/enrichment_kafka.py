"""One enrichment worker through the real broker: `python -m bench.enrichment_kafka`.

Creates topics under a fresh prefix, publishes a whole list to the watchlist topic, fills the
input topic with synthetic shipments (as `bench.enrichment` makes them), starts
`python -m services.enrichment` and times it from its first screened record to its last, from its
own metrics. Prints shipments/s by the wall clock and per CPU second of the worker process.
Needs `make up`.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bench.enrichment import make_records
from shared.config import load_settings
from shared.kafka.adapter import KafkaAdmin, KafkaProducerAdapter
from shared.kafka.records import Output, Record
from shared.schemas import WatchlistEntry
from shared.schemas.registry import ALL_TOPICS, SHIPMENTS_INGESTED, WATCHLIST_ENTRIES
from shared.watchlists.sources import read_entries

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def produce(bootstrap: str, outputs: Sequence[Output]) -> None:
    producer = KafkaProducerAdapter(bootstrap, "bench-enrichment", linger_ms=20)
    for start in range(0, len(outputs), 5000):
        deliveries = [producer.send(o) for o in outputs[start : start + 5000]]
        producer.flush(120)
        for delivery in deliveries:
            delivery.wait(120)
    producer.close(10)


def entry_outputs(prefix: str, entries: Sequence[WatchlistEntry]) -> list[Output]:
    topic = prefix + WATCHLIST_ENTRIES.name
    return [Output(topic, e.key, e.model_dump_json().encode()) for e in entries]


def shipment_outputs(prefix: str, records: Sequence[Record]) -> list[Output]:
    topic = prefix + SHIPMENTS_INGESTED.name
    return [Output(topic, (r.key or b"").decode(), r.value, list(r.headers)) for r in records]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def scrape(port: int) -> tuple[float, float]:
    """(records handled, CPU seconds) of the worker, from its /metrics."""
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    handled = cpu = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "tradewatch_consumer_records_total":
                handled += sample.value
            elif sample.name == "process_cpu_seconds_total":
                cpu = sample.value
    return handled, cpu


def start_worker(bootstrap: str, prefix: str, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "TRADEWATCH_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "TRADEWATCH_TOPIC_PREFIX": prefix,
        "TRADEWATCH_ENRICHMENT_PORT": str(port),
        "TRADEWATCH_HTTP_HOST": "127.0.0.1",
    }
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "services.enrichment"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def measure(port: int, total: int, process: subprocess.Popen[bytes], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    first: tuple[float, float, float] | None = None  # (time, handled, cpu) at the first record
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"worker exited with {process.returncode}")
        try:
            handled, cpu = scrape(port)
        except httpx.HTTPError:
            time.sleep(0.5)
            continue
        now = time.monotonic()
        if first is None and handled > 0:
            first = (now, handled, cpu)
        if first is not None and handled >= total:
            wall = now - first[0]
            done = handled - first[1]
            print(
                f"one worker: {done:,.0f} shipments in {wall:.1f} s: {done / wall:,.0f} "
                f"shipments/s wall clock; per worker CPU second {done / (cpu - first[2]):,.0f}"
            )
            return
        time.sleep(0.25)
    raise SystemExit("the worker did not finish in time")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    settings = load_settings()
    default_source = f"ofac-sdn:{settings.sanctions_data_dir / 'sanctions/ofac/sdn-2024-05-03'}"
    parser = argparse.ArgumentParser(prog="python -m bench.enrichment_kafka", description=__doc__)
    parser.add_argument("--source", default=default_source, help="FORMAT:PATH of the list")
    parser.add_argument("--shipments", type=int, default=30_000)
    parser.add_argument("--parties", type=int, default=4)
    parser.add_argument("--listed", type=float, default=0.02)
    parser.add_argument("--population", type=int, default=20_000, help="0: every party new")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    bootstrap = load_settings().kafka_bootstrap_servers
    prefix = f"bench-{uuid.uuid4().hex[:8]}-"
    admin = KafkaAdmin(bootstrap)
    admin.create_topics(ALL_TOPICS, prefix)
    port = free_port()
    log_path = Path(f"/tmp/{prefix}enrichment.log")
    process: subprocess.Popen[bytes] | None = None
    try:
        entries = read_entries(args.source)
        produce(bootstrap, entry_outputs(prefix, entries))
        records = make_records(
            args.shipments, entries, args.parties, args.listed, 11, args.population
        )
        produce(bootstrap, shipment_outputs(prefix, records))
        print(f"{len(entries)} entries and {len(records)} shipments on topics {prefix}*")
        process = start_worker(bootstrap, prefix, port, log_path)
        measure(port, len(records), process, args.timeout)
    finally:
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(60)
        admin.delete_topics([prefix + t.name for t in ALL_TOPICS])
        admin.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
