"""`tradewatch schemas export DIR`: one JSON Schema per topic of the contract."""

from __future__ import annotations

import argparse
from pathlib import Path

from shared.config import Settings
from shared.schemas.export import export_schemas


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("schemas", help="the topic contract's JSON Schemas")
    actions = parser.add_subparsers(dest="action", required=True)
    export = actions.add_parser("export", help="write a JSON Schema per topic into DIR")
    export.add_argument("directory", type=Path, metavar="DIR")
    export.set_defaults(run=run_export)


def run_export(args: argparse.Namespace, settings: Settings) -> int:
    for path in export_schemas(args.directory):
        print(path)
    return 0
