"""`python -m bench` (`make bench`): the whole pipeline under load, with `make up` running.

In one run on the same broker: the three services start as processes on a fresh topic prefix and
database with the full OFAC SDN list loaded; sustained throughput is measured for 60 s by
producing straight to `shipments.ingested.v1`; once that has drained, ingest-to-alert latency at
fixed rates through ingest's HTTP API; then a null pipeline (the same records through the same
hops, no work) gives this machine's ceiling. docs/benchmarks.md says what each figure means.
Service logs, cProfile output (--profile) and results.json go to .local/bench/<time>/.
Everything it creates on Kafka and PostgreSQL is deleted at the end.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import pstats
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench.feeders import NEW_PARTY_MARKER, EncodedShipments
from bench.null_pipeline import NullPipeline
from bench.pipeline import (
    AlertWatcher,
    Latency,
    Stage,
    Throughput,
    drain,
    measure_latency,
    measure_throughput,
    prometheus_counters,
)
from bench.processes import ROOT
from bench.report import GC_PAUSE_METRIC, as_json, latency_lines, machine, throughput_lines
from bench.stack import Stack, StackConfig
from bench.workload import Planted, ShipmentFactory, plantable
from shared.config import Settings, load_settings
from shared.heap import settle_heap
from shared.schemas.registry import ALERTS, SHIPMENTS_INGESTED, SHIPMENTS_SCREENED
from shared.watchlists.sources import read_entries

# A tenth of the latency phases' shipments name a listed organisation: enough alerts to read a
# p99 from (200 at 100/s for 20 s).
LATENCY_PLANTED = 0.1
SETTLE_S = 30.0
DRAIN_TIMEOUT_S = 120.0
TEMPLATES = 20_000
"""Distinct shipments the throughput phase cycles through. Enough that their parties cover the
pool of recurring counterparties (96 % of 20,000), so that the latency phases after it find
the per-party cache as warm as steady trade leaves it: with 4,000, half the pool was first
seen in a latency phase, and 41 % of its parties missed the cache instead of about 22 %."""
PARTY_CACHE_METRIC = "tradewatch_enrichment_party_cache"


def parse_args(argv: Sequence[str] | None, settings: Settings) -> argparse.Namespace:
    sdn = settings.sanctions_data_dir / "sanctions" / "ofac" / "sdn-2024-05-03"
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--list", default=f"ofac-sdn:{sdn}", help="FORMAT:PATH to load")
    parser.add_argument("--seconds", type=float, default=60.0, help="throughput window")
    parser.add_argument("--warmup", type=float, default=10.0, help="before each window")
    parser.add_argument(
        "--window",
        type=int,
        default=10_000,
        help="records fed ahead at least (the backlog is 5 s of the last stage's completions)",
    )
    parser.add_argument("--rates", default="100,500,1000", help="latency phases, shipments/s")
    parser.add_argument("--latency-seconds", type=float, default=20.0, help="per rate")
    parser.add_argument("--planted", type=float, default=0.02, help="share naming a listed org")
    parser.add_argument("--parties", type=int, default=4)
    parser.add_argument(
        "--counterparties", type=int, default=20_000, help="pool the parties recur from"
    )
    parser.add_argument(
        "--new-parties", type=float, default=0.2, help="share of parties never seen before"
    )
    parser.add_argument("--skip", default="", help="comma list of: latency, throughput, null")
    parser.add_argument(
        "--profile",
        choices=("cpu", "wall"),
        help="cProfile enrichment and alerting (cpu: CPU time only; wall: waiting shows)",
    )
    return parser.parse_args(argv)


def run_stack(
    args: argparse.Namespace, settings: Settings, out: Path, header: dict[str, object]
) -> tuple[Throughput | None, list[Latency]]:
    config = StackConfig(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        admin_database_url=settings.database_url.get_secret_value(),
        log_dir=out,
        label="bench",
        profile_dir=out / "profiles" if args.profile else None,
        profile_clock=args.profile or "cpu",
    )
    stack = Stack.create(config)
    try:
        started = time.monotonic()
        report = stack.load_list(args.list, progress=True)
        header["list"] = f"{report.list_id}: {report.entry_count:,} entries ({args.list})"
        print(f"list loaded in {time.monotonic() - started:.1f} s; {header['list']}")
        started = time.monotonic()
        stack.start()
        print(f"services ready in {time.monotonic() - started:.1f} s (index built); logs in {out}")
        listed = plantable(read_entries(args.list))
        throughput = None
        if "throughput" not in args.skip:
            throughput = run_throughput(args, stack, listed)
            print("\n".join(throughput_lines(throughput, None)[:3]))
            # The latency phases start from an empty pipeline (and warm caches).
            drain(settings.kafka_bootstrap_servers, pipeline_stages(stack), DRAIN_TIMEOUT_S)
        latencies = [] if "latency" in args.skip else run_latency(args, stack, listed)
    finally:
        stack.close()
    return throughput, latencies


def run_throughput(args: argparse.Namespace, stack: Stack, listed: list[Planted]) -> Throughput:
    factory = ShipmentFactory(
        listed,
        parties=args.parties,
        planted_share=args.planted,
        pool_size=args.counterparties,
        new_party_share=args.new_parties,
        new_marker=NEW_PARTY_MARKER,
    )
    return measure_throughput(
        "pipeline",
        stack.config.bootstrap_servers,
        EncodedShipments(factory, TEMPLATES, stack.topic(SHIPMENTS_INGESTED.name), "T"),
        pipeline_stages(stack),
        {name: s.pid for name, s in stack.services.items()},
        seconds=args.seconds,
        warmup_s=args.warmup,
        window=args.window,
        counters=lambda: service_counters(stack),
    )


def pipeline_stages(stack: Stack) -> list[Stage]:
    """Enrichment's progress on the ingested topic, then alerting's on the screened topic."""
    return [
        Stage(name, stack.group_id(name), stack.topic(topic.name))
        for name, topic in (("enrichment", SHIPMENTS_INGESTED), ("alerting", SHIPMENTS_SCREENED))
    ]


def service_counters(stack: Stack) -> dict[str, float]:
    """The services' counters the report uses (the party cache, the collector's pauses), keyed
    `service:series{labels}`."""
    found: dict[str, float] = {}
    for name, service in stack.services.items():
        text = service.metrics()
        for prefix in (PARTY_CACHE_METRIC, GC_PAUSE_METRIC):
            for key, value in prometheus_counters(text, prefix).items():
                found[f"{name}:{key}"] = value
    return found


def run_latency(args: argparse.Namespace, stack: Stack, listed: list[Planted]) -> list[Latency]:
    watcher = AlertWatcher(stack.config.bootstrap_servers, stack.topic(ALERTS.name))
    watcher.start()
    url = stack.services["ingest"].url("/v1/shipments")
    results = []
    try:
        # Unmeasured: the first requests pay for connections, caches and the first group joins.
        warm = ShipmentFactory(listed, planted_share=LATENCY_PLANTED, source="warmup", seed=1)
        warmup = [warm.make(f"W{i}") for i in range(300)]
        pids = {name: s.pid for name, s in stack.services.items()}
        measure_latency(watcher, url, stack.ingest_key, warmup, 100, settle_s=SETTLE_S, pids=pids)
        for rate in (int(r) for r in args.rates.split(",") if r):
            factory = ShipmentFactory(
                listed,
                parties=args.parties,
                planted_share=LATENCY_PLANTED,
                pool_size=args.counterparties,
                new_party_share=args.new_parties,
                source=f"rate{rate}",
                seed=rate,
            )
            count = round(rate * args.latency_seconds)
            shipments = [factory.make(f"L{rate}-{i:07d}") for i in range(count)]
            result = measure_latency(
                watcher,
                url,
                stack.ingest_key,
                shipments,
                rate,
                settle_s=SETTLE_S,
                pids=pids,
                counters=lambda: service_counters(stack),
            )
            results.append(result)
            print(latency_lines([result])[2])
    finally:
        watcher.stop()
    return results


def run_null(args: argparse.Namespace, settings: Settings, out: Path) -> Throughput:
    null = NullPipeline(settings.kafka_bootstrap_servers, out)
    null.start()
    try:
        factory = ShipmentFactory(
            plantable(read_entries(args.list)),
            parties=args.parties,
            planted_share=args.planted,
            pool_size=args.counterparties,
            new_party_share=args.new_parties,
            new_marker=NEW_PARTY_MARKER,
        )
        return measure_throughput(
            "null pipeline",
            settings.kafka_bootstrap_servers,
            EncodedShipments(factory, TEMPLATES, null.in_topic, "N"),
            null.stages,
            null.pids(),
            seconds=args.seconds,
            warmup_s=args.warmup,
            window=args.window,
        )
    finally:
        null.close()


def print_profiles(directory: Path) -> None:
    for path in sorted(directory.glob("*.prof")):
        stats = pstats.Stats(str(path), stream=sys.stdout)
        for order in ("cumulative", "tottime"):
            print(f"\n--- {path.stem}: top 30 by {order} ({path}) ---")
            stats.sort_stats(order).print_stats(30)


def main(argv: Sequence[str] | None = None) -> int:
    settings = load_settings()
    args = parse_args(argv, settings)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    out = ROOT / ".local" / "bench" / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out.mkdir(parents=True, exist_ok=True)
    header: dict[str, object] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "command": "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:]),
    }
    print(f"Tradewatch pipeline benchmark, {header['when']}\nmachine: {header['machine']}")
    # The driver's own full collections paused it for 100-300 ms (its feeders and the alert
    # watcher run here): they showed in the latency figures.
    settle_heap()
    # Other processes on the machine (a shared development box) skew every figure: say so.
    load_before = os.getloadavg()[0]
    throughput: Throughput | None = None
    latencies: list[Latency] = []
    header["list"] = args.list
    if not {"latency", "throughput"} <= set(args.skip.split(",")):
        throughput, latencies = run_stack(args, settings, out, header)
    null = None if "null" in args.skip else run_null(args, settings, out)
    header["load_average_1min"] = (
        f"{load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    )
    lines = [
        "",
        f"list: {header['list']}; {args.parties} parties per shipment;"
        f" {args.new_parties:.0%} of parties new, the rest from {args.counterparties:,} recurring",
        f"load average (1 min): {header['load_average_1min']}",
    ]
    lines += throughput_lines(throughput, null)
    if latencies:
        lines += latency_lines(latencies)
    print("\n".join(lines))
    (out / "results.json").write_text(
        json.dumps(as_json(header, throughput, null, latencies), indent=2) + "\n"
    )
    print(f"\nresults: {out / 'results.json'}")
    if args.profile:
        print_profiles(out / "profiles")
    return 0


if __name__ == "__main__":
    sys.exit(main())
