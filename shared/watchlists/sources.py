"""Read a list from files without a database: parse, stamp, hand back the entries.

Used by `tradewatch screen --source FORMAT:PATH`, the benchmarks, and the loader itself.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from shared.schemas import WatchlistEntry
from shared.watchlists.jsonl import parse_jsonl
from shared.watchlists.ofac import CONS_LAYOUT, SDN_LAYOUT, parse_ofac
from shared.watchlists.ofsi import parse_ofsi
from shared.watchlists.parsed import ParseResult, SourceError, Stamp
from shared.watchlists.spec import MAIN, SourceSpec, checksum, parse_spec
from shared.watchlists.un import parse_un

log = logging.getLogger(__name__)


def parse_source(spec: SourceSpec, list_id: str | None, stamp: Stamp) -> ParseResult:
    """Every entry of the source, stamped; malformed rows are in `problems`, not raised."""
    chosen = list_id or spec.format.default_list_id
    name = spec.format.name
    if name == "tradewatch-jsonl":
        return parse_jsonl(spec.files[MAIN], chosen, stamp)
    if chosen is None:
        raise SourceError(f"{name}: no list id")
    if name == "ofac-sdn":
        return parse_ofac(spec.files, SDN_LAYOUT, chosen, stamp)
    if name == "ofac-cons":
        return parse_ofac(spec.files, CONS_LAYOUT, chosen, stamp)
    if name == "uk-ofsi":
        return parse_ofsi(spec.files[MAIN], chosen, stamp)
    if name == "un-sc":
        return parse_un(spec.files[MAIN], chosen, stamp)
    raise SourceError(f"no parser for {name}")


def synthetic_stamp(spec: SourceSpec) -> Stamp:
    """A stamp without a database: checksum as version, the newest file's time as publish time."""
    newest = max(path.stat().st_mtime for path in spec.files.values())
    return Stamp(
        version=f"file-{checksum(spec)[:12]}",
        published_at=datetime.fromtimestamp(newest, tz=UTC),
    )


def read_list(format_spec: str, list_id: str | None = None) -> ParseResult:
    """Parse `FORMAT:PATH[,PATH...]`; raises `SourceError` when the input cannot be read."""
    spec = parse_spec(format_spec)
    return parse_source(spec, list_id, synthetic_stamp(spec))


def read_entries(format_spec: str, list_id: str | None = None) -> list[WatchlistEntry]:
    """The entries of `FORMAT:PATH[,PATH...]`; malformed rows are logged and skipped."""
    result = read_list(format_spec, list_id)
    for problem in result.problems:
        log.warning("skipped %s", problem)
    for name, count in result.orphans.items():
        if count:
            log.warning("%s: %d rows name an entry missing from the main file", name, count)
    return result.entries
