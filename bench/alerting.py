"""Alerting handler cost, in process, without Kafka: `python -m bench.alerting`.

Makes `shipments.screened.v1` records as enrichment would (the throughput phase's shipments of
`python -m bench`: four parties drawn from recurring counterparties, 20 % new, 2 % naming a
listed organisation, which carries its match; the real risk flags) and runs the alerting
service's batch handler over them in batches of the loop's size, against a fresh PostgreSQL
database (created on the `make up` server, dropped at the end). Prints shipments/s by the wall
clock and the CPU per shipment of this process and of PostgreSQL: what a change to alerting's
database writes is judged by, in a minute instead of `make bench`'s seven.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

from bench.cpu import postgres_cpu_seconds
from bench.feeders import NEW_PARTY_MARKER
from bench.stack import drop_database, scratch_database
from bench.workload import Planted, ShipmentFactory, plantable, unique_word
from services.alerting.handler import make_handler
from services.alerting.rules_config import load_rules
from services.enrichment.chpl import load_chpl
from services.enrichment.country_risk import load_country_risk
from services.enrichment.risk import risk_flags
from services.ingest.ingestor import encode
from services.ingest.prepare import prepare
from shared.config import load_settings
from shared.db.engine import make_engine, make_sessions, migrate
from shared.heap import settle_heap
from shared.kafka.records import Record
from shared.schemas import (
    Match,
    PartyScreening,
    ScreenedShipment,
    Screening,
    Shipment,
    WatchlistEntry,
)
from shared.watchlists.sources import read_entries


def screened_records(
    listed: Sequence[Planted], count: int, *, batch: int, planted: float = 0.02, seed: int = 7
) -> Iterator[list[Record]]:
    """`count` screened records in batches; a planted party carries its exact match."""
    factory = ShipmentFactory(
        listed,
        planted_share=planted,
        new_party_share=0.2,
        new_marker=NEW_PARTY_MARKER,
        seed=seed,
    )
    chpl, countries = load_chpl(), load_country_risk()
    now = datetime.now(UTC)
    records: list[Record] = []
    for number in range(count):
        made = factory.make(f"A{seed}-{number:08d}")
        for party in made.body["parties"]:
            party["name"] = party["name"].replace(NEW_PARTY_MARKER, unique_word(number))
        shipment = Shipment.model_validate_json(encode(prepare(made.body)))
        parties = [
            PartyScreening(
                party_index=i,
                role=p.role,
                name=p.name,
                matches=[_match(made.planted)]
                if made.planted and p.name == made.planted.name
                else [],
            )
            for i, p in enumerate(shipment.parties)
        ]
        screening = Screening(
            screened_at=now,
            parties=parties,
            risk_flags=risk_flags(shipment, chpl, countries),
            list_versions={"us-ofac-sdn": "bench"},
        )
        value = ScreenedShipment(shipment=shipment, screening=screening, ingested_at=now)
        records.append(
            Record(
                "screened",
                number % 6,
                number,
                shipment.key.encode(),
                value.model_dump_json().encode(),
                [],
                0,
            )
        )
        if len(records) == batch:
            yield records
            records = []
    if records:
        yield records


def _match(planted: Planted) -> Match:
    return Match.model_validate(
        {
            "list": planted.list_id,
            "entry_id": planted.entry_id,
            "entry_name": planted.name,
            "matched_name": planted.name,
            "score": 1.0,
            "programs": ["BENCH"],
            "explanation": "exact name",
        }
    )


@contextmanager
def database(admin_url: str) -> Iterator[str]:
    url, name = scratch_database(admin_url, "alerting")
    try:
        migrate(url)
        yield url
    finally:
        drop_database(admin_url, name)


def main(argv: Sequence[str] | None = None) -> int:
    settings = load_settings()
    sdn = settings.sanctions_data_dir / "sanctions" / "ofac" / "sdn-2024-05-03"
    parser = argparse.ArgumentParser(prog="python -m bench.alerting", description=__doc__)
    parser.add_argument("--list", default=f"ofac-sdn:{sdn}", help="FORMAT:PATH of listed names")
    parser.add_argument("--shipments", type=int, default=30_000)
    parser.add_argument("--batch", type=int, default=settings.max_poll_records)
    parser.add_argument("--warmup", type=int, default=5_000, help="shipments before measuring")
    parser.add_argument("--planted", type=float, default=0.02, help="share that must alert")
    args = parser.parse_args(argv)

    entries: list[WatchlistEntry] = read_entries(args.list)
    listed = plantable(entries)
    print(f"making {args.warmup + args.shipments:,} screened records ...", flush=True)
    batches = list(
        screened_records(
            listed, args.warmup + args.shipments, batch=args.batch, planted=args.planted
        )
    )
    warmup = args.warmup // args.batch
    settle_heap()  # as the service does once started
    with database(settings.database_url.get_secret_value()) as url:
        engine = make_engine(url)
        handle = make_handler(make_sessions(engine), load_rules(None, settings.alert_threshold))
        try:
            for records in batches[:warmup]:
                handle(records)
            measured = batches[warmup:]
            shipments = sum(len(b) for b in measured)
            started, cpu, pg = time.monotonic(), time.process_time(), postgres_cpu_seconds()
            for records in measured:
                handle(records)
            wall = time.monotonic() - started
            cpu = time.process_time() - cpu
            pg = postgres_cpu_seconds() - pg
        finally:
            engine.dispose()
    print(
        f"alerting handler, batches of {args.batch}, {args.planted:.0%} alerting:"
        f" {shipments / wall:,.0f} shipments/s (wall);"
        f" CPU per shipment: this process {cpu / shipments * 1000:.3f} ms,"
        f" PostgreSQL {pg / shipments * 1000:.3f} ms (every backend, others' included)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
