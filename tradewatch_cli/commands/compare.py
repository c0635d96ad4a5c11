"""`tradewatch compare --input pairs.csv`: score name pairs, e.g. to evaluate the matcher.

CSV in with `name1,name2` and an optional `schema` (Person, Company, Organization, LegalEntity,
Vessel); CSV out on stdout: the same rows in the same order plus `score` and `is_match`.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from shared.config import Settings
from shared.screening.screener import DEFAULT_THRESHOLD, Screener
from tradewatch_cli.main import CliError

SCHEMAS = {"person", "company", "organization", "legalentity", "vessel", "aircraft", ""}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("compare", help="score name pairs from a CSV (name1,name2[,schema])")
    parser.add_argument("--input", type=Path, required=True, help="CSV with name1,name2[,schema]")
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.set_defaults(run=run_compare)


def run_compare(args: argparse.Namespace, settings: Settings) -> int:
    try:
        handle = args.input.open(encoding="utf-8", newline="")
    except OSError as error:
        raise CliError(f"cannot read {args.input}: {error}") from error
    with handle:
        reader = csv.DictReader(handle)
        fields = list(reader.fieldnames or [])
        if "name1" not in fields or "name2" not in fields:
            raise CliError(f"{args.input}: the header must name the columns name1 and name2")
        writer = csv.DictWriter(sys.stdout, fieldnames=[*fields, "score", "is_match"])
        writer.writeheader()
        screener = Screener()
        bad = 0
        for row in reader:
            line = reader.line_num
            name1, name2 = (row.get("name1") or "").strip(), (row.get("name2") or "").strip()
            schema = (row.get("schema") or "").strip()
            problem = _problem(name1, name2, schema)
            if problem:
                bad += 1
                print(f"tradewatch compare: line {line}: {problem}", file=sys.stderr)
                writer.writerow({**row, "score": "", "is_match": ""})
                continue
            score = screener.compare(name1, name2, schema or None)
            is_match = "true" if score >= args.threshold else "false"
            writer.writerow({**row, "score": f"{score:.4f}", "is_match": is_match})
    return 1 if bad else 0


def _problem(name1: str, name2: str, schema: str) -> str | None:
    if not name1 or not name2:
        return "name1 and name2 must both be given"
    if schema.lower() not in SCHEMAS:
        return f"unknown schema {schema!r}"
    return None
