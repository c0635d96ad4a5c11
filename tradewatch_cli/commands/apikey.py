"""`tradewatch apikey create --name NAME --role ROLE`: prints the new key once, last."""

from __future__ import annotations

import argparse

from shared.config import Settings
from shared.db.api_keys import ROLES, create_api_key
from shared.db.engine import make_engine, make_sessions, migrate


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("apikey", help="API keys")
    actions = parser.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="create a key; it is shown only once")
    create.add_argument("--name", required=True, help="who or what uses the key")
    create.add_argument("--role", required=True, choices=ROLES)
    create.set_defaults(run=run_create)


def run_create(args: argparse.Namespace, settings: Settings) -> int:
    url = settings.database_url.get_secret_value()
    migrate(url)
    engine = make_engine(url)
    try:
        with make_sessions(engine).begin() as session:
            key_id, plain = create_api_key(session, name=args.name, role=args.role)
    finally:
        engine.dispose()
    print(f"created key {key_id} for {args.name!r} with role {args.role}; store it now: {plain}")
    return 0
