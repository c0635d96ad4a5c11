"""The figures of `python -m bench`, as text for people and as JSON for the record."""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any

from bench.pipeline import Latency, Throughput

TARGET_SHIPMENTS_PER_S = 1500
TARGET_NULL_RATIO = 0.5
GC_PAUSE_METRIC = "tradewatch_gc_pause_seconds"
TARGET_P99_S = 0.5
TARGET_P99_RATE = 500
SATURATED_SHARE = 0.8
"""A throughput phase that kept the machine less busy than this was held back by something else
(the null pipeline, capped by the feeder's old fixed backlog: 53 %; the pipeline: 88-98 %)."""


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem_kib = int(Path("/proc/meminfo").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        mem_kib = 0
    return (
        f"{model}, {os.cpu_count()} cores, {mem_kib / 2**20:.0f} GiB RAM,"
        f" {platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def throughput_lines(real: Throughput | None, null: Throughput | None) -> list[str]:
    window = real or null
    if window is None:
        return []
    lines = [
        f"Sustained throughput ({window.seconds:.0f} s; fed straight to shipments.ingested.v1;"
        " a shipment counts once the last stage committed past it)"
    ]
    if real is not None:
        enrichment = real.stage_counts.get("enrichment", 0) / real.seconds
        lines.append(
            f"  pipeline       {real.per_second:8,.0f} shipments/s   (enrichment"
            f" {enrichment:,.0f}/s)   target >= {TARGET_SHIPMENTS_PER_S:,}:"
            f" {_met(real.per_second >= TARGET_SHIPMENTS_PER_S)}"
        )
    if null is not None:
        lines.append(
            f"  null pipeline  {null.per_second:8,.0f} shipments/s   (same records, two relays,"
            " no work)"
        )
    if real is not None and null is not None and null.per_second:
        ratio = real.per_second / null.per_second
        lines.append(
            f"  ratio          {ratio:8.2f}                 target >= {TARGET_NULL_RATIO}:"
            f" {_met(ratio >= TARGET_NULL_RATIO)}"
        )
    if real is not None:
        lines.extend(f"  {line}" for line in _counted_lines(real.counters))
    lines.append(
        "  CPU seconds per 1,000 shipments (a stage per 1,000 it handled; the rest per 1,000"
        " completed):"
    )
    for run in (real, null):
        if run is not None and run.completed:
            lines.append(f"    {run.label}: {_cpu_per_thousand(run)}")
    lines.extend(_unsaturated_lines(real, null))
    return lines


def _unsaturated_lines(*runs: Throughput | None) -> list[str]:
    """A throughput figure is this machine's only when the machine was busy: else something
    other than the CPU (the feeder, the broker's disk) held it back, and it says less."""
    return [
        f"  NOTE: the {run.label} left {1 - run.cpu.machine_busy_share:.0%} of the machine idle:"
        " its stages waited on something other than the CPU (the feeder's backlog, round trips),"
        " so this is not the machine's ceiling"
        for run in runs
        if run is not None and run.completed and run.cpu.machine_busy_share < SATURATED_SHARE
    ]


def _cache_line(counters: dict[str, float]) -> list[str]:
    hits = sum(v for k, v in counters.items() if "outcome=hit" in k)
    misses = sum(v for k, v in counters.items() if "outcome=miss" in k)
    if not hits + misses:
        return []
    return [
        f"enrichment's per-party cache answered {hits / (hits + misses):.0%} of"
        f" {hits + misses:,.0f} parties"
    ]


def _counted_lines(counters: dict[str, float]) -> list[str]:
    return _cache_line(counters) + _pause_line(counters)


def _pause_line(counters: dict[str, float]) -> list[str]:
    """Each service's time stopped by its garbage collector, and its full collections."""
    paused: dict[str, dict[str, float]] = {}
    for key, value in counters.items():
        service, _, series = key.partition(":")
        name, _, labels = series.partition("{")
        full = "generation=2" in labels
        if name in (f"{GC_PAUSE_METRIC}_sum", f"{GC_PAUSE_METRIC}_count"):
            found = paused.setdefault(service, {"all": 0.0, "full": 0.0, "full_s": 0.0})
            if name == f"{GC_PAUSE_METRIC}_count":
                found["full"] += value if full else 0.0
            else:
                found["all"] += value
                found["full_s"] += value if full else 0.0
    parts = [
        f"{service} {found['all']:.2f} s ({found['full']:.0f} full, {found['full_s']:.2f} s)"
        for service, found in sorted(paused.items())
    ]
    return [f"garbage collector pauses: {', '.join(parts)}"] if parts else []


def _cpu_per_thousand(run: Throughput) -> str:
    parts = []
    for name, seconds in sorted(run.cpu.by_component.items()):
        handled = run.stage_counts.get(name, run.completed)
        if handled:
            parts.append(f"{name} {seconds * 1000 / handled:.2f}")
    busy = run.cpu.machine_busy_share
    return ", ".join(parts) + f"; machine busy {busy:.0%} of {run.cpu.cores} cores"


def latency_lines(results: list[Latency]) -> list[str]:
    lines = [
        "Ingest-to-alert latency (POST /v1/shipments answered 202 -> raised event read from"
        " alerts.v1)",
        "   rate/s  accepted/s  alerts/planted      p50      p95      p99      max",
    ]
    for r in results:
        lines.append(
            f"  {r.rate_per_s:7,}  {r.accepted / r.send_seconds:10,.0f}"
            f"  {r.alerted:6,}/{r.planted:<7,}"
            + "".join(f"{r.percentile(share) * 1000:6.0f} ms" for share in (0.5, 0.95, 0.99, 1.0))
        )
        if r.failed_requests:
            lines.append(f"           {r.failed_requests} requests failed, e.g. {r.first_failure}")
        parts = "; ".join(
            f"{stage} {r.percentile(0.5, stage) * 1000:.0f}/{r.percentile(0.99, stage) * 1000:.0f}"
            for stage in r.stages
        )
        lines.append(f"           p50/p99 ms by part: {parts}")
        services = {k: v for k, v in r.cpu.by_component.items() if k != "bench driver"}
        per_shipment = ", ".join(
            f"{name} {seconds * 1000 / max(r.accepted, 1):.2f}"
            for name, seconds in sorted(services.items())
        )
        lines.append(
            f"           CPU ms per shipment: {per_shipment};"
            f" machine busy {r.cpu.machine_busy_share:.0%}"
        )
        lines.extend(f"           {line}" for line in _counted_lines(r.counters))
        if r.not_alerted:
            lines.append(f"           no alert for: {'; '.join(r.not_alerted)}")
    at_target = [r for r in results if r.rate_per_s == TARGET_P99_RATE]
    if at_target:
        p99 = at_target[0].percentile(0.99)
        lines.append(
            f"  target p99 <= {TARGET_P99_S * 1000:.0f} ms at {TARGET_P99_RATE}/s:"
            f" {_met(p99 <= TARGET_P99_S and at_target[0].alerted == at_target[0].planted)}"
        )
    return lines


def as_json(
    header: dict[str, Any], real: Throughput | None, null: Throughput | None, lat: list[Latency]
) -> dict[str, Any]:
    def throughput(run: Throughput | None) -> dict[str, Any] | None:
        if run is None:
            return None
        return {
            "shipments_per_s": run.per_second,
            "completed": run.completed,
            "seconds": run.seconds,
            "stage_counts": run.stage_counts,
            "cpu_seconds": run.cpu.by_component,
            "machine_busy_share": run.cpu.machine_busy_share,
        }

    return {
        **header,
        "throughput": throughput(real),
        "null_pipeline": throughput(null),
        "latency": [
            {
                "rate_per_s": r.rate_per_s,
                "accepted_per_s": r.accepted / r.send_seconds,
                "planted": r.planted,
                "alerted": r.alerted,
                "p50_s": r.percentile(0.5),
                "p95_s": r.percentile(0.95),
                "p99_s": r.percentile(0.99),
                "failed_requests": r.failed_requests,
                "not_alerted": r.not_alerted,
            }
            for r in lat
        ],
    }
