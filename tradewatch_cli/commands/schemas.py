"""`tradewatch schemas export DIR`: one JSON Schema per topic of the contract;
`tradewatch schemas asyncapi FILE`: the AsyncAPI document of every topic."""

from __future__ import annotations

import argparse
from pathlib import Path

from shared.config import Settings
from shared.schemas.asyncapi import render_asyncapi
from shared.schemas.export import export_schemas


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("schemas", help="the topic contract's JSON Schemas")
    actions = parser.add_subparsers(dest="action", required=True)
    export = actions.add_parser("export", help="write a JSON Schema per topic into DIR")
    export.add_argument("directory", type=Path, metavar="DIR")
    export.set_defaults(run=run_export)
    asyncapi = actions.add_parser("asyncapi", help="write the AsyncAPI document of the topics")
    asyncapi.add_argument(
        "file", type=Path, metavar="FILE", help="YAML file to write; - for stdout"
    )
    asyncapi.set_defaults(run=run_asyncapi)


def run_export(args: argparse.Namespace, settings: Settings) -> int:
    for path in export_schemas(args.directory):
        print(path)
    return 0


def run_asyncapi(args: argparse.Namespace, settings: Settings) -> int:
    text = render_asyncapi()
    if str(args.file) == "-":
        print(text, end="")
        return 0
    args.file.parent.mkdir(parents=True, exist_ok=True)
    args.file.write_text(text, encoding="utf-8")
    print(args.file)
    return 0
