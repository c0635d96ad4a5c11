"""`tradewatch lists load|show|parse`: load sanctions lists, see what is loaded, check a file.

    tradewatch lists load FORMAT:PATH[,PATH...] [--list-id ID] [--no-progress] [--no-rescreen]
    tradewatch lists show
    tradewatch lists parse FORMAT:PATH[,PATH...] [--list-id ID]

Formats: ofac-sdn, ofac-cons, uk-ofsi, un-sc, tradewatch-jsonl (see docs/lists.md).
"""

from __future__ import annotations

import argparse
import time

from shared.config import Settings
from shared.db.engine import make_engine, make_sessions, migrate
from shared.kafka.adapter import KafkaAdmin, KafkaProducerAdapter
from shared.schemas.registry import WATCHLIST_ENTRIES
from shared.watchlists import repository
from shared.watchlists.load import load_list
from shared.watchlists.parsed import SourceError
from shared.watchlists.sources import read_list
from shared.watchlists.spec import FORMATS
from tradewatch_cli.commands import rescreen
from tradewatch_cli.main import CliError

CLOSE_TIMEOUT_S = 30.0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("lists", help="load and inspect sanctions lists")
    actions = parser.add_subparsers(dest="action", required=True)
    formats = ", ".join(FORMATS)
    load = actions.add_parser(
        "load",
        help="load a list as a new version and publish its changes",
        description=f"Load FORMAT:PATH[,PATH...] (formats: {formats}) into PostgreSQL as a new "
        "version and publish the added, changed and removed entries to watchlist.entries.v1.",
    )
    load.add_argument("source", metavar="FORMAT:PATH", help=f"one of {formats}, then paths")
    load.add_argument("--list-id", help="list id (default: the format's, e.g. us-ofac-sdn)")
    load.add_argument("--no-progress", action="store_true", help="no progress bar")
    load.add_argument(
        "--no-rescreen",
        action="store_true",
        help="do not rescreen past shipments against the new entries (docs/rescreen.md)",
    )
    load.set_defaults(run=run_load)
    show = actions.add_parser("show", help="loaded lists: version, loaded and published times")
    show.set_defaults(run=run_show)
    parse = actions.add_parser("parse", help="parse a list without loading it: counts, problems")
    parse.add_argument("source", metavar="FORMAT:PATH")
    parse.add_argument("--list-id")
    parse.set_defaults(run=run_parse)


def run_load(args: argparse.Namespace, settings: Settings) -> int:
    url = settings.database_url.get_secret_value()
    topic = settings.topic_prefix + WATCHLIST_ENTRIES.name
    migrate(url)
    engine = make_engine(url)
    try:
        _ensure_topic(settings)
        producer = KafkaProducerAdapter(settings.kafka_bootstrap_servers, "tradewatch-lists")
        try:
            report = load_list(
                args.source,
                args.list_id,
                make_sessions(engine),
                producer,
                topic,
                progress=not args.no_progress,
            )
        finally:
            producer.close(CLOSE_TIMEOUT_S)
    except SourceError as error:
        raise CliError(str(error)) from error
    finally:
        engine.dispose()
    print(report.summary())
    if not args.no_rescreen:
        rescreen.after_load(report, settings, progress=not args.no_progress)
    return 0


def _ensure_topic(settings: Settings) -> None:
    """The topic must be compacted: create it from the registry rather than by auto-creation."""
    try:
        admin = KafkaAdmin(settings.kafka_bootstrap_servers, client_id="tradewatch-lists-admin")
    except Exception as error:  # kafka-python's errors stay inside the adapter
        raise CliError(
            f"Kafka at {settings.kafka_bootstrap_servers} is not reachable ({error})"
        ) from error
    try:
        admin.create_topics([WATCHLIST_ENTRIES], prefix=settings.topic_prefix)
    finally:
        admin.close()


def run_show(args: argparse.Namespace, settings: Settings) -> int:
    url = settings.database_url.get_secret_value()
    migrate(url)
    engine = make_engine(url)
    try:
        with make_sessions(engine)() as session:
            lists = repository.list_summaries(session)
    finally:
        engine.dispose()
    if not lists:
        print("no list loaded yet (tradewatch lists load FORMAT:PATH)")
        return 0
    print(f"{'list':16} {'version':16} {'entries':>8} {'loaded at (UTC)':20} {'published':10}")
    for info in lists:
        published = "yes" if info.published_at is not None else "PENDING"
        print(
            f"{info.list_id:16} {info.version:16} {info.entry_count:>8} "
            f"{info.loaded_at:%Y-%m-%d %H:%M:%S}  {published:10}"
        )
    return 0


def run_parse(args: argparse.Namespace, settings: Settings) -> int:
    started = time.perf_counter()
    try:
        result = read_list(args.source, args.list_id)
    except SourceError as error:
        raise CliError(str(error)) from error
    seconds = time.perf_counter() - started
    kinds: dict[str, int] = {}
    for entry in result.entries:
        kinds[entry.kind] = kinds.get(entry.kind, 0) + 1
    aliases = sum(len(e.aliases) for e in result.entries)
    print(
        f"{result.list_id}: {len(result.entries)} entries from {result.rows} rows in"
        f" {seconds:.2f} s; {aliases} aliases; "
        + ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))
    )
    for name, count in result.orphans.items():
        if count:
            print(f"  {name}: {count} orphan rows (no such entry in the main file)")
    for problem in result.problems:
        print(f"  skipped {problem}")
    return 0
