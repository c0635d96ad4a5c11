"""The floor of the design on this machine: what a shipment costs before any screening or rule.

    python -m bench.floor [--null SHIPMENTS_PER_S] [--shipments N]

`make bench` compares the pipeline with a null pipeline (the same records through the same Kafka
hops, doing nothing). Half of that null pipeline leaves a budget of CPU per shipment for
everything on this machine. This measures, per shipment, the parts no implementation of the
architecture can leave out, each with the project's own code:

- the Kafka work: the null pipeline's CPU per shipment (`--null`, else the newest `make bench`
  results), that is, all cores over its throughput;
- the contract: validating an ingested shipment (enrichment's decode), writing the screened one
  (its encode), validating that (alerting's decode), with the pydantic models of `shared/schemas`;
- PostgreSQL storing the shipment with its parties (the architecture: alerting "persists every
  screened shipment and its parties") and their counterparties (what rescreening runs over), as
  alerting stores them (a counterparty stored within the hour is not written again); and, for
  comparison, the shipment's row alone. With alerting's own statements, in batches of the
  loop's size (a transaction each), in a scratch database on the `make up` server.

It prints each part, the floor (their sum) and the budget.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy.orm import Session

from bench.alerting import database, screened_records
from bench.cpu import postgres_cpu_seconds
from bench.data import load_sdn
from bench.processes import ROOT
from bench.workload import plantable
from services.alerting.recent import RecentCounterparties
from services.alerting.repository import shipments as stored
from services.alerting.repository.dialect import insert
from services.alerting.repository.transactions import transaction
from shared.config import load_settings
from shared.db.engine import make_engine, make_sessions
from shared.db.models import StoredShipment
from shared.heap import settle_heap
from shared.schemas import ScreenedShipment, Shipment

TARGET_RATIO = 0.5
T = TypeVar("T")


def cpu_per_item_ms(work: Callable[[T], object], items: Sequence[T]) -> float:
    started = time.process_time()
    for item in items:
        work(item)
    return (time.process_time() - started) * 1000 / len(items)


def newest_null_rate() -> float | None:
    """The null pipeline's shipments/s in the newest `make bench` results, if any."""
    for path in sorted((ROOT / ".local" / "bench").glob("*/results.json"), reverse=True):
        null = json.loads(path.read_text()).get("null_pipeline")
        if null and null.get("shipments_per_s"):
            return float(null["shipments_per_s"])
    return None


def postgres_ms(
    batches: Sequence[Sequence[ScreenedShipment]],
    write: Callable[[Session, Sequence[ScreenedShipment], datetime], object],
    url: str,
    committed: Callable[[], object] = lambda: None,
) -> float:
    """PostgreSQL's CPU per shipment for `write(session, batch, now)`, a transaction a batch
    (`committed()` after each); the first batch warms up."""
    engine = make_engine(url)
    sessions = make_sessions(engine)
    try:
        now = datetime.now(UTC)
        with transaction(sessions) as session:
            write(session, batches[0], now)
        committed()
        measured = batches[1:]
        before = postgres_cpu_seconds()
        for batch in measured:
            with transaction(sessions) as session:
                write(session, batch, now)
            committed()
        return (postgres_cpu_seconds() - before) * 1000 / sum(len(b) for b in measured)
    finally:
        engine.dispose()


def shipment_rows(session: Session, batch: Sequence[ScreenedShipment], now: datetime) -> None:
    rows = [stored.shipment_row(s, now) for s in batch]
    insert(session, StoredShipment, rows, stored.upsert_shipments)


class WithParties:
    """The shipments with their parties and counterparties, as alerting writes them (a
    counterparty stored within the hour is not written again)."""

    def __init__(self) -> None:
        self.recent = RecentCounterparties()

    def __call__(self, session: Session, batch: Sequence[ScreenedShipment], now: datetime) -> None:
        seen = [stored.counterparties_of(s) for s in batch]
        stored.save_counterparties(session, [c for cs in seen for c in cs], now, self.recent)
        stored.save_shipments(session, batch, seen, now)


def main(argv: Sequence[str] | None = None) -> int:
    settings = load_settings()
    parser = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__)
    parser.add_argument("--null", type=float, help="the null pipeline's shipments/s")
    parser.add_argument("--shipments", type=int, default=20_000)
    args = parser.parse_args(argv)
    null = args.null or newest_null_rate()
    batch = settings.max_poll_records

    print(f"making {args.shipments:,} screened records ...", flush=True)
    records = [
        r for b in screened_records(plantable(load_sdn()), args.shipments, batch=batch) for r in b
    ]
    values = [r.value for r in records if r.value is not None]
    screened = [ScreenedShipment.model_validate_json(v) for v in values]
    ingested = [s.shipment.model_dump_json().encode() for s in screened]
    settle_heap()
    parts = {
        "enrichment decodes the ingested shipment": cpu_per_item_ms(
            Shipment.model_validate_json, ingested
        ),
        "enrichment encodes the screened shipment": cpu_per_item_ms(
            ScreenedShipment.model_dump_json, screened
        ),
        "alerting decodes the screened shipment": cpu_per_item_ms(
            ScreenedShipment.model_validate_json, values
        ),
    }
    batches = [screened[i : i + batch] for i in range(0, len(screened), batch)]
    admin = settings.database_url.get_secret_value()
    with database(admin) as url:
        with_parties = WithParties()
        parts["PostgreSQL stores it, its parties, counterparties"] = postgres_ms(
            batches, with_parties, url, with_parties.recent.committed
        )
    with database(admin) as url:
        row_alone = postgres_ms(batches, shipment_rows, url)

    cores = os.cpu_count() or 1
    print(f"CPU per shipment on {cores} cores (ms):")
    for label, ms in parts.items():
        print(f"  {label:<50} {ms:6.3f}")
    floor = sum(parts.values())
    if null:
        kafka = cores * 1000 / null
        floor += kafka
        print(f"  {'Kafka: the null pipeline, ' + f'{null:,.0f}/s':<50} {kafka:6.3f}")
    print(f"  {'floor (the lines above)':<50} {floor:6.3f}")
    print(f"  (PostgreSQL storing the shipment's row alone: {row_alone:.3f})")
    if null:
        budget = cores * 1000 / (null * TARGET_RATIO)
        verdict = "within" if floor <= budget else "OVER"
        print(
            f"budget at {TARGET_RATIO} of the null pipeline ({null * TARGET_RATIO:,.0f}"
            f" shipments/s): {budget:.3f} ms a shipment; the floor is {verdict} it,"
            " before any screening or rule"
        )
    else:
        print("no null pipeline figure: run `make bench`, or give --null")
    return 0


if __name__ == "__main__":
    sys.exit(main())
