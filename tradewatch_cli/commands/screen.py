"""`tradewatch screen`: screen one name, or a JSON Lines file of parties, against the lists.

    tradewatch screen "OOO AURUS" --country RU --tax-id 7743237789
    tradewatch screen --input parties.jsonl --format jsonl --source ofac-sdn:PATH

Lists come from `--source FORMAT:PATH` (parsed, no database) or, without it, from the lists
loaded into the database.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from tqdm import tqdm

from shared.config import Settings
from shared.db.engine import make_engine, make_sessions
from shared.schemas import Match, WatchlistEntry
from shared.screening.screener import DEFAULT_THRESHOLD, Screener
from shared.watchlists.parsed import SourceError
from shared.watchlists.repository import current_entries
from shared.watchlists.sources import read_entries
from tradewatch_cli.main import CliError

MATCH_FIELDS = (
    "list",
    "entry_id",
    "entry_name",
    "matched_name",
    "score",
    "programs",
    "explanation",
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("screen", help="screen a name or a JSON Lines file of parties")
    parser.add_argument("name", nargs="?", help="the name to screen")
    parser.add_argument("--country", help="the party's country (ISO alpha-2)")
    parser.add_argument("--tax-id", help="the party's tax id")
    parser.add_argument("--kind", choices=("person", "organization", "vessel", "aircraft"))
    parser.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="FORMAT:PATH",
        help="screen against this list file (repeatable); default: the lists in the database",
    )
    parser.add_argument("--input", type=Path, help="JSON Lines: {id, name, country?, ...}")
    parser.add_argument("--format", choices=("table", "json", "jsonl"), default=None)
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.set_defaults(run=run_screen)


def load_entries(sources: list[str], settings: Settings) -> list[WatchlistEntry]:
    if sources:
        entries: list[WatchlistEntry] = []
        for source in sources:
            try:
                entries.extend(read_entries(source))
            except (SourceError, OSError, ValueError) as error:
                raise CliError(f"cannot read {source}: {error}") from error
        return entries
    engine = make_engine(settings.database_url.get_secret_value())
    try:
        with make_sessions(engine)() as session:
            entries = current_entries(session)
    except Exception as error:
        raise CliError(
            f"cannot read the lists from the database ({type(error).__name__}); "
            "pass --source FORMAT:PATH or start it with `make up`"
        ) from error
    finally:
        engine.dispose()
    if not entries:
        raise CliError("no list is loaded: `tradewatch lists load FORMAT:PATH`, or pass --source")
    return entries


def match_json(match: Match) -> dict[str, Any]:
    data = match.model_dump(mode="json")
    return {field: data[field] for field in MATCH_FIELDS}


def run_screen(args: argparse.Namespace, settings: Settings) -> int:
    if (args.name is None) == (args.input is None):
        raise CliError("give either a NAME or --input FILE.jsonl")
    if not 0.0 <= args.threshold <= 1.0:
        raise CliError("--threshold must be between 0 and 1")
    screener = Screener(load_entries(args.source, settings))
    if args.input is not None:
        if args.format not in (None, "jsonl"):
            raise CliError("--input writes JSON Lines: use --format jsonl")
        try:
            with args.input.open(encoding="utf-8") as lines:
                return screen_lines(screener, lines, args.threshold, sys.stdout)
        except OSError as error:
            raise CliError(f"cannot read {args.input}: {error}") from error
    identifiers = {"tax_id": args.tax_id} if args.tax_id else None
    matches = screener.screen(
        args.name,
        country=args.country,
        identifiers=identifiers,
        kind=args.kind,
        threshold=args.threshold,
    )
    if args.format in ("json", "jsonl"):
        print(json.dumps({"name": args.name, "matches": [match_json(m) for m in matches]}))
    else:
        print(match_table(args.name, matches, len(screener)))
    return 0


def match_table(name: str, matches: list[Match], entries: int) -> str:
    if not matches:
        return f"{name!r}: no match among {entries} entries"
    lines = [f"{name!r}: {len(matches)} match(es) among {entries} entries", ""]
    for m in matches:
        lines.append(f"{m.score:.2f}  {m.list_id} {m.entry_id}  {m.entry_name}")
        if m.matched_name != m.entry_name:
            lines.append(f"      as {m.matched_name}")
        lines.append(f"      programs: {', '.join(m.programs) or '-'}")
        lines.append(f"      why: {m.explanation}")
    return "\n".join(lines)


def _parties(lines: TextIO) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line number, the party or the reason it is unusable) for each non-blank line."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            party = json.loads(line)
        except json.JSONDecodeError as error:
            yield number, f"not JSON: {error.msg}"
            continue
        if not isinstance(party, dict):
            yield number, "not a JSON object"
        elif not isinstance(party.get("name"), str) or not party["name"].strip():
            yield number, "`name` must be a non-empty string"
        elif not isinstance(party.get("identifiers") or {}, dict):
            yield number, "`identifiers` must be an object"
        else:
            yield number, party


def screen_lines(screener: Screener, lines: TextIO, threshold: float, out: TextIO) -> int:
    """One output line per input line, in order; a bad line gets an `error` and exit 1."""
    bad = 0
    for number, party in tqdm(_parties(lines), unit=" parties", disable=None, file=sys.stderr):
        if isinstance(party, str):
            bad += 1
            print(f"tradewatch screen: line {number}: {party}", file=sys.stderr)
            out.write(json.dumps({"id": None, "line": number, "error": party}) + "\n")
            continue
        identifiers = {str(k): str(v) for k, v in (party.get("identifiers") or {}).items()}
        matches = screener.screen(
            party["name"],
            country=party.get("country"),
            identifiers=identifiers or None,
            kind=party.get("kind"),
            threshold=threshold,
        )
        result = {"id": party.get("id"), "matches": [match_json(m) for m in matches]}
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    return 1 if bad else 0
