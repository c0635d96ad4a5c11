"""`tradewatch db migrate`: bring the database schema up to date."""

from __future__ import annotations

import argparse

from shared.config import Settings
from shared.db.engine import migrate


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("db", help="database schema")
    actions = parser.add_subparsers(dest="action", required=True)
    up = actions.add_parser("migrate", help="apply every migration (idempotent)")
    up.add_argument("--revision", default="head")
    up.set_defaults(run=run_migrate)


def run_migrate(args: argparse.Namespace, settings: Settings) -> int:
    migrate(settings.database_url.get_secret_value(), args.revision)
    print(f"database at revision {args.revision}")
    return 0
