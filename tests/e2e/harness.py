"""Traffic and faults for the fault suite: shipments through ingest's HTTP API, a fault once the
stream flows through all three services, then the checks of tests/e2e/checks.py.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import httpx

from bench.processes import ROOT
from bench.stack import Stack
from bench.workload import Shipment, ShipmentFactory, plantable
from shared.watchlists.sources import read_entries
from tests.e2e.checks import stored_count, violations, wait_drained

RETRY_PAUSE_S = 0.25
REQUEST_TIMEOUT_S = 45.0
DEMO_LIST = f"tradewatch-jsonl:{ROOT / 'tradewatch_cli/demo/data/demo_list.jsonl'}"

SHIPMENTS = 1000
BATCH = 20
PAUSE_S = 0.1
PLANTED_SHARE = 0.1
FAULT_AT_SHARE = 0.4
FLOW_TIMEOUT_S = 60.0
DRAIN_TIMEOUT_S = 150.0


class HttpFeeder(threading.Thread):
    """Posts the shipments to ingest in batches, each re-sent until ingest answers 202 with
    every record accepted: connection refused while ingest is down, 503 while the broker or the
    database is. That is what a sender does, and re-sending is safe (records keep their key)."""

    def __init__(
        self, url: str, api_key: str, shipments: Sequence[Shipment], batch: int, pause_s: float
    ) -> None:
        super().__init__(name="http-feeder", daemon=True)
        self._url = url
        self._headers = {"X-API-Key": api_key}
        self._batches = [
            [s.body for s in shipments[i : i + batch]] for i in range(0, len(shipments), batch)
        ]
        self._pause_s = pause_s
        self.acknowledged = 0
        self.resends = 0
        self.error: str | None = None

    def run(self) -> None:
        with httpx.Client(timeout=REQUEST_TIMEOUT_S) as client:
            for bodies in self._batches:
                if not self._send(client, bodies):
                    return
                self.acknowledged += len(bodies)
                time.sleep(self._pause_s)

    def _send(self, client: httpx.Client, bodies: list[dict[str, Any]]) -> bool:
        while True:
            try:
                response = client.post(self._url, json=bodies, headers=self._headers)
            except httpx.TransportError:
                response = None
            if response is not None and response.status_code == 202:
                if response.json()["rejected"]:
                    self.error = f"ingest rejected records: {response.text[:2000]}"
                    return False
                return True
            if response is not None and response.status_code not in (502, 503, 504):
                self.error = f"ingest answered {response.status_code}: {response.text[:2000]}"
                return False
            self.resends += 1
            time.sleep(RETRY_PAUSE_S)


def local_server(component: str, action: str) -> None:
    """`deploy/local/<component>.sh <action>` (kafka or postgres), failing loudly."""
    script = ROOT / "deploy" / "local" / f"{component}.sh"
    subprocess.run([str(script), action], check=True, timeout=180)


def ensure_running(component: str) -> None:
    """Start the server if it is not running: other engineers' tests share it."""
    script = ROOT / "deploy" / "local" / f"{component}.sh"
    status = subprocess.run([str(script), "status"], capture_output=True, timeout=30)
    if status.returncode != 0:
        subprocess.run([str(script), "start"], check=True, timeout=180)


def make_shipments(tag: str, count: int = SHIPMENTS) -> list[Shipment]:
    factory = ShipmentFactory(
        plantable(read_entries(DEMO_LIST)), planted_share=0.0, pool_size=500, source=f"e2e-{tag}"
    )
    every = round(1 / PLANTED_SHARE)
    return [factory.make(f"S{i:05d}", plant=i % every == 0) for i in range(count)]


def feed_with_fault(
    stack: Stack, fault: Callable[[], None], tag: str, count: int = SHIPMENTS
) -> list[Shipment]:
    """Send `count` shipments; inject `fault` once ingest acknowledged FAULT_AT_SHARE of them and
    alerting stored some; return the shipments once ingest acknowledged every one."""
    shipments = make_shipments(tag, count)
    feeder = HttpFeeder(
        stack.services["ingest"].url("/v1/shipments"), stack.ingest_key, shipments, BATCH, PAUSE_S
    )
    feeder.start()
    deadline = time.monotonic() + FLOW_TIMEOUT_S
    while feeder.acknowledged < FAULT_AT_SHARE * count or stored_count(stack) == 0:
        assert feeder.is_alive(), f"the feeder stopped: {feeder.error}\n{stack.log_tails()}"
        assert time.monotonic() < deadline, f"the stream never flowed\n{stack.log_tails()}"
        time.sleep(0.05)
    acknowledged_at_fault = feeder.acknowledged
    fault()
    feeder.join(DRAIN_TIMEOUT_S)
    assert feeder.error is None, feeder.error
    assert not feeder.is_alive(), "the feeder did not finish"
    assert acknowledged_at_fault < count, "the fault came after the stream ended"
    restarts = {name: s.starts - 1 for name, s in stack.services.items()}
    print(f"fault at {acknowledged_at_fault}/{count}; {feeder.resends} re-sends; {restarts}")
    return shipments


def run_with_fault(stack: Stack, fault: Callable[[], None], tag: str) -> None:
    """Feed with `fault`, let everything drain, assert that nothing was lost or duplicated."""
    shipments = feed_with_fault(stack, fault, tag)
    seen = wait_drained(stack, shipments, DRAIN_TIMEOUT_S)
    problems = violations(stack, shipments, seen)
    assert not problems, "\n".join(problems) + "\n" + stack.log_tails()
