"""`tradewatch`: entry point. Each subcommand lives in its own module with a `register`."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from shared.config import load_settings
from shared.logging import configure_logging

# Modules under tradewatch_cli.commands, each with `register(subparsers) -> None`.
COMMAND_MODULES = (
    "topics",
    "schemas",
    "db",
    "apikey",
    "ingest",
    "lists",
    "rescreen",
    "demo",
    "screen",
    "compare",
)


class CliError(Exception):
    """A user's mistake or a missing precondition: printed without a traceback, exit 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tradewatch",
        description="Tradewatch: screen every party of every shipment against sanctions lists.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"tradewatch_cli.commands.{name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = args.run(args, settings)
    except CliError as error:
        print(f"tradewatch: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("tradewatch: interrupted", file=sys.stderr)
        return 130
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
