"""`tradewatch-jsonl`: the project's own list format, for in-house lists and the demo list.

UTF-8 text, one JSON object per line, each a `watchlist.entries.v1` value without the load's
stamp: `entry_id`, `kind` (person, organization, vessel, aircraft) and `name` are required;
`aliases` [{`name`, `type` aka|fka|nka, `weak`}], `programs`, `countries` (ISO alpha-2),
`addresses` [{`text`, `city`, `country`}], `identifiers` [{`type`, `value`, `country`, `label`}],
`birth_dates`, `listed_on`, `remarks` are optional. `list` names the list; it may be left out when
`--list-id` is given, and a line whose `list` differs from the list being loaded is an error.
`list_version` and `published_at`, if present, are ignored: the load stamps its own. Blank lines
are skipped. For example:

    {"list": "tw-demo", "entry_id": "1", "kind": "organization", "name": "AURUS LLC",
     "identifiers": [{"type": "tax_id", "value": "7743237789", "country": "RU"}]}

(one line in the file).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError

from shared.schemas import WatchlistEntry
from shared.watchlists.parsed import ParseResult, Problem, SourceError, Stamp, validation_reason

STAMP_FIELDS = ("list_version", "published_at")


def parse_jsonl(path: Path, list_id: str | None, stamp: Stamp) -> ParseResult:
    result = ParseResult(list_id=list_id or "")
    seen: dict[str, int] = {}
    with path.open("rb") as file:
        for number, raw in enumerate(file, start=1):
            if not raw.strip():
                continue
            result.rows += 1
            reason = _read_line(raw, number, result, seen, stamp)
            if reason is not None:
                result.problems.append(Problem(path.name, number, reason))
    if not result.list_id:
        raise SourceError(f"{path.name}: no list id: pass --list-id or give each line a 'list'")
    return result


def _read_line(
    raw: bytes, number: int, result: ParseResult, seen: dict[str, int], stamp: Stamp
) -> str | None:
    try:
        data: Any = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        return f"not JSON ({error})"
    if not isinstance(data, dict):
        return f"expected a JSON object, found {type(data).__name__}"
    for name in STAMP_FIELDS:
        data.pop(name, None)
    line_list = data.get("list") or data.get("list_id")
    if not result.list_id and isinstance(line_list, str) and line_list:
        result.list_id = line_list
    if line_list and line_list != result.list_id:
        return f"list {line_list!r} differs from the list being loaded ({result.list_id!r})"
    if not result.list_id:
        return "no list id: pass --list-id or give the line a 'list'"
    data.pop("list_id", None)
    data["list"] = result.list_id
    try:
        entry = WatchlistEntry.model_validate(
            {**data, "list_version": stamp.version, "published_at": stamp.published_at}
        )
    except ValidationError as error:
        return validation_reason(error)
    if entry.entry_id in seen:
        return f"entry_id {entry.entry_id} repeats line {seen[entry.entry_id]}"
    seen[entry.entry_id] = number
    result.entries.append(entry)
    return None
