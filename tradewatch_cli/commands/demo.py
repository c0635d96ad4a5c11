"""`tradewatch demo`: the whole pipeline in one process on bundled sample data.

By default on the in-memory bus and SQLite (no server needed); `--kafka` and `--database-url`
point it at a real Kafka and PostgreSQL instead.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
from pathlib import Path

from shared.config import Settings
from tradewatch_cli.demo.bus import Bus, KafkaBus, MemoryBus
from tradewatch_cli.demo.pipeline import run_pipeline
from tradewatch_cli.demo.report import alert_table, summary, write_html
from tradewatch_cli.demo.sample import sample_shipments
from tradewatch_cli.main import CliError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("demo", help="run the whole pipeline in one process on sample data")
    parser.add_argument(
        "--kafka",
        metavar="BOOTSTRAP",
        nargs="?",
        const="settings",
        help="use a real Kafka (default: the settings' bootstrap servers) instead of memory",
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="use this database (e.g. the settings' PostgreSQL) instead of a fresh SQLite file",
    )
    parser.add_argument("--shipments", type=int, default=300, help="sample shipments to run")
    parser.add_argument(
        "--report", type=Path, default=Path("out/demo-report.html"), help="HTML report path"
    )
    parser.add_argument("--verbose", action="store_true", help="show the services' log lines")
    parser.set_defaults(run=run_demo)


def run_demo(args: argparse.Namespace, settings: Settings) -> int:
    if args.shipments < 1:
        raise CliError("--shipments must be at least 1")
    if not args.verbose:
        # The services log every alert they raise; the demo prints its own table instead.
        logging.getLogger().setLevel(logging.WARNING)
    bus: Bus
    if args.kafka:
        servers = settings.kafka_bootstrap_servers if args.kafka == "settings" else args.kafka
        try:
            bus = KafkaBus(servers)
        except Exception as error:
            raise CliError(f"cannot reach Kafka at {servers} ({error}); try `make up`") from error
    else:
        bus = MemoryBus()
    with tempfile.TemporaryDirectory(prefix="tradewatch-demo-") as scratch:
        database_url = args.database_url or f"sqlite:///{scratch}/demo.db"
        print(f"Tradewatch demo on the {bus.name} and {database_url.split('://')[0]}\n")
        try:
            result = run_pipeline(bus, database_url, sample_shipments(args.shipments), print)
        finally:
            bus.close()
    print("\nAlerts\n")
    print(alert_table(result.alerts))
    print("\nSummary\n")
    print(summary(result))
    path = write_html(result, args.report)
    print(f"\nHTML report: {path}")
    return 0
