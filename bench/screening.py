"""Screening speed against the full OFAC SDN list: `python -m bench.screening`.

Builds the index from the SDN list of 2024-05-03 with the aliases and addresses of 2025-12
(parsed by `shared.watchlists`), then screens generated parties one at a time in this process:
ordinary suppliers and persons (most of them) and renderings of listed names (a few). Every
party name is distinct, so no party is answered from a cache. Prints parties/s, p50/p99 per
party, index build time and resident memory.

Each figure is given twice: CPU time of this process (what the code costs) and wall-clock time
(what it costs on this machine right now, other processes included).
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench.data import load_sdn
from bench.parties import person_names, renderings, supplier_names
from shared.schemas import WatchlistEntry
from shared.screening import DEFAULT_THRESHOLD, Screener, warm_up


@dataclass(frozen=True)
class Party:
    name: str
    country: str | None
    identifiers: dict[str, str] | None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parties", type=int, default=20_000)
    parser.add_argument("--listed-share", type=float, default=0.05)
    args = parser.parse_args()

    entries = load_sdn()
    names = sum(1 + len(entry.aliases) for entry in entries)
    rss_before = _rss_mb()
    warm = _timed(warm_up)
    rss_warm = _rss_mb()
    screener, build = _build(entries)
    rss_after = _rss_mb()
    parties = _parties(entries, args.parties, args.listed_share)
    cpu, wall, alerts = _screen_all(screener, parties)
    print(f"list: {len(entries)} SDN entries, {names} names with aliases")
    print(
        f"rigour's name tables, loaded once per process: {warm[0]:.2f} s CPU, {warm[1]:.2f} s wall"
    )
    print(f"index build: {build[0]:.2f} s CPU, {build[1]:.2f} s wall")
    print(
        f"memory: {rss_after:.0f} MB resident: {rss_warm - rss_before:.0f} MB rigour's tables, "
        f"{rss_after - rss_warm:.0f} MB the index, the rest the interpreter and parsed entries"
    )
    print(f"parties: {len(parties)} screened, {alerts} with a match >= {DEFAULT_THRESHOLD}")
    for label, times in (("CPU", cpu), ("wall", wall)):
        rate = len(parties) / sum(times)
        print(
            f"{label:>4}: {rate:,.0f} parties/s in one process; per party "
            f"p50 {_ms(times, 50)} ms, p99 {_ms(times, 99)} ms"
        )


def _timed(work: Callable[[], None]) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    work()
    return time.process_time() - cpu, time.perf_counter() - wall


def _build(entries: list[WatchlistEntry]) -> tuple[Screener, tuple[float, float]]:
    gc.collect()
    gc.freeze()  # the parsed entries are long-lived: keep the collector off them
    cpu, wall = time.process_time(), time.perf_counter()
    screener = Screener(entries)
    spent = (time.process_time() - cpu, time.perf_counter() - wall)
    # As a service would once its index is built: the collector then never walks the index
    # again (a full collection over it pauses screening for about half a second).
    gc.collect()
    gc.freeze()
    return screener, spent


def _parties(entries: list[WatchlistEntry], count: int, listed_share: float) -> list[Party]:
    listed = int(count * listed_share)
    people = (count - listed) // 5
    found = [Party(name, None, None) for name in supplier_names(count - listed - people)]
    found += [Party(name, None, None) for name in person_names(people)]
    found += [Party(r.name, r.country, r.identifiers or None) for r in renderings(entries, listed)]
    random.Random(5).shuffle(found)
    return found


def _screen_all(screener: Screener, parties: list[Party]) -> tuple[list[float], list[float], int]:
    cpu: list[float] = []
    wall: list[float] = []
    alerts = 0
    for party in parties:
        cpu_start, wall_start = time.thread_time(), time.perf_counter()
        found = screener.screen(party.name, country=party.country, identifiers=party.identifiers)
        cpu.append(time.thread_time() - cpu_start)
        wall.append(time.perf_counter() - wall_start)
        alerts += bool(found)
    return cpu, wall, alerts


def _ms(latencies: list[float], percentile: int) -> str:
    cut = statistics.quantiles(latencies, n=100)[percentile - 1]
    return f"{cut * 1000:.2f}"


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
