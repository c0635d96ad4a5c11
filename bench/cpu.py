"""Where the CPU went during a measurement: each service, the broker, PostgreSQL, the machine.

Linux /proc only. A snapshot is taken at the start and at the end of a window; the difference,
per 1,000 shipments, says which component a faster pipeline has to make cheaper.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bench.processes import ROOT, process_cpu_seconds

TICKS_PER_S = os.sysconf("SC_CLK_TCK")
KAFKA_PID_FILE = ROOT / ".local" / "kafka" / "kafka.pid"


@dataclass(frozen=True)
class CpuSnapshot:
    at_s: float
    machine_busy_s: float
    by_component: dict[str, float]

    def since(self, earlier: CpuSnapshot) -> CpuUse:
        return CpuUse(
            wall_s=self.at_s - earlier.at_s,
            machine_busy_s=self.machine_busy_s - earlier.machine_busy_s,
            by_component={
                name: seconds - earlier.by_component.get(name, 0.0)
                for name, seconds in self.by_component.items()
            },
        )


@dataclass(frozen=True)
class CpuUse:
    wall_s: float
    machine_busy_s: float
    by_component: dict[str, float]

    @property
    def cores(self) -> int:
        return os.cpu_count() or 1

    @property
    def machine_busy_share(self) -> float:
        return self.machine_busy_s / (self.wall_s * self.cores) if self.wall_s else 0.0


def machine_busy_seconds() -> float:
    """CPU seconds every core spent not idle since boot (the `cpu` line of /proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / TICKS_PER_S


def kafka_pid() -> int | None:
    try:
        return int(KAFKA_PID_FILE.read_text().strip())
    except (OSError, ValueError):
        return None


def postgres_cpu_seconds() -> float:
    """Every `postgres` process (server and backends; other users' backends included)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() != "postgres":
                continue
        except OSError:
            continue
        total += process_cpu_seconds(int(entry.name))
    return total


def snapshot(pids: Mapping[str, int | None]) -> CpuSnapshot:
    """CPU seconds of the named processes, the broker, PostgreSQL and this process now."""
    by_component = {name: process_cpu_seconds(pid) for name, pid in pids.items() if pid}
    broker = kafka_pid()
    if broker is not None:
        by_component["kafka"] = process_cpu_seconds(broker)
    by_component["postgres"] = postgres_cpu_seconds()
    by_component["bench driver"] = process_cpu_seconds(os.getpid())
    return CpuSnapshot(time.monotonic(), machine_busy_seconds(), by_component)
