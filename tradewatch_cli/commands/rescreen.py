"""`tradewatch rescreen`: rescreen past shipments against what a list version added or changed,
and tell the open alerts of the entries it removed.

    tradewatch rescreen --list-id ID [--version V] [--as-of DATE] [--lookback-days N]
                        [--workers N] [--no-progress]

`tradewatch lists load` runs the same after a load that changed the list (unless
`--no-rescreen`); run this by hand to repeat one (it is idempotent) or to finish one that failed.
The wiring lives here, not in `services.rescreen`, because it joins two services: the rescreen
itself, and alerting's `mark_delisted` for removals (docs/rescreen.md).
"""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from services.alerting import mark_delisted
from services.rescreen import Delta, UnknownVersion, load_delta, repository, rescreen_delta
from shared.config import Settings
from shared.db.engine import make_engine, make_sessions, migrate
from shared.kafka.adapter import KafkaAdmin, KafkaProducerAdapter
from shared.schemas.registry import ALERTS, SHIPMENTS_SCREENED
from shared.watchlists.report import LoadReport
from tradewatch_cli.main import CliError

CLOSE_TIMEOUT_S = 30.0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "rescreen",
        help="rescreen past shipments against a list version's new entries",
        description="Screen the distinct counterparties of the look-back window's shipments "
        "against the entries a list version added or changed, re-publish each shipment that now "
        "matches to shipments.screened.v1 for alerting (reason newly_listed), and add an "
        "'updated' event to the open alerts of each entry the version removed.",
    )
    parser.add_argument("--list-id", required=True, help="list id, e.g. us-ofac-sdn")
    parser.add_argument("--version", help="the version to rescreen (default: the latest)")
    parser.add_argument(
        "--as-of",
        type=_aware_datetime,
        help="end of the look-back window, ISO date or time (default: the date of the newest "
        "stored shipment, but never later than now)",
    )
    parser.add_argument(
        "--lookback-days", type=int, help="window length (default: TRADEWATCH_LOOKBACK_DAYS)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="processes that screen a large window (default: one per CPU)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(run=run_rescreen)


def run_rescreen(args: argparse.Namespace, settings: Settings) -> int:
    lookback_days = settings.lookback_days if args.lookback_days is None else args.lookback_days
    if lookback_days < 0:
        raise CliError("--lookback-days must not be negative")
    if args.workers < 1:
        raise CliError("--workers must be at least 1")
    rescreen_version(
        settings,
        args.list_id,
        args.version,
        as_of=args.as_of,
        lookback_days=lookback_days,
        progress=not args.no_progress,
        workers=args.workers,
    )
    return 0


def after_load(report: LoadReport, settings: Settings, *, progress: bool) -> None:
    """The hook `tradewatch lists load` calls: rescreen the version just loaded, if it changed
    anything. A failure says how to finish the work; the load itself stands."""
    if report.status != "loaded" or not (report.added or report.changed or report.removed):
        return
    try:
        rescreen_version(
            settings,
            report.list_id,
            report.version,
            as_of=None,
            lookback_days=settings.lookback_days,
            progress=progress,
            workers=os.cpu_count() or 1,
        )
    except CliError as error:
        raise CliError(
            f"{report.list_id} {report.version} is loaded, but its rescreen failed: {error}; "
            f"finish it with: tradewatch rescreen --list-id {report.list_id} "
            f"--version {report.version}"
        ) from error


def rescreen_version(
    settings: Settings,
    list_id: str,
    version: str | None,
    *,
    as_of: datetime | None,
    lookback_days: int,
    progress: bool,
    workers: int,
) -> None:
    url = settings.database_url.get_secret_value()
    migrate(url)
    engine = make_engine(url)
    try:
        sessions = make_sessions(engine)
        with sessions() as session:
            try:
                delta = load_delta(session, list_id, version)
            except UnknownVersion as error:
                raise CliError(str(error)) from error
        if delta.has_new_entries:
            _rescreen(settings, sessions, delta, as_of, lookback_days, progress, workers)
        if delta.removed:
            print(_delist(sessions, delta))
    finally:
        engine.dispose()


def _rescreen(
    settings: Settings,
    sessions: sessionmaker[Session],
    delta: Delta,
    as_of: datetime | None,
    lookback_days: int,
    progress: bool,
    workers: int,
) -> None:
    with sessions() as session:
        if repository.newest_shipment_date(session) is None:
            print(
                f"rescreen {delta.list_id} {delta.version}: no shipment stored yet, nothing to do"
            )
            return
    _ensure_topics(settings)
    producer = KafkaProducerAdapter(settings.kafka_bootstrap_servers, "tradewatch-rescreen")
    try:
        report = rescreen_delta(
            sessions,
            producer,
            settings.topic_prefix + SHIPMENTS_SCREENED.name,
            delta,
            lookback_days=lookback_days,
            now=datetime.now(UTC),
            as_of=as_of,
            progress=progress,
            workers=workers,
        )
    except Exception as error:  # the broker's errors stay inside the adapter
        raise CliError(f"rescreen not finished ({type(error).__name__}: {error})") from error
    finally:
        producer.close(CLOSE_TIMEOUT_S)
    print(report.summary())


def _delist(sessions: sessionmaker[Session], delta: Delta) -> str:
    """One transaction: each open alert of a removed entry gets an `updated` event (queued in
    alerting's outbox, which the alerting service publishes to alerts.v1)."""
    now = datetime.now(UTC)
    with sessions.begin() as session:
        events = [
            event
            for entry_id in delta.removed
            for event in mark_delisted(session, delta.list_id, entry_id, now)
        ]
    return (
        f"delisting {delta.list_id} {delta.version}: {len(delta.removed)} entries removed, "
        f"{len(events)} open alerts told ('updated', note 'delisted')"
    )


def _ensure_topics(settings: Settings) -> None:
    try:
        admin = KafkaAdmin(settings.kafka_bootstrap_servers, client_id="tradewatch-rescreen-admin")
    except Exception as error:  # kafka-python's errors stay inside the adapter
        raise CliError(
            f"Kafka at {settings.kafka_bootstrap_servers} is not reachable ({error})"
        ) from error
    try:
        admin.create_topics([SHIPMENTS_SCREENED, ALERTS], prefix=settings.topic_prefix)
    finally:
        admin.close()


def _aware_datetime(text: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not an ISO date or time: {text!r}") from error
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
