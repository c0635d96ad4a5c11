"""`ofac-sdn` and `ofac-cons`: OFAC's legacy CSV files joined into watchlist entries.

The main file (`sdn.csv` / `cons_prim.csv`) has one row per entry: ent_num, name, type
(`individual`, `vessel`, `aircraft`, empty for an entity), programs (`]`/`[` separated), title,
call sign, vessel type, tonnage, GRT, vessel flag, vessel owner, remarks. The optional auxiliary
files join on ent_num: aliases (`alt.csv`: ent_num, alt_num, type, name, remarks; "weak" in the
remarks marks a weak alias), addresses (`add.csv`: ent_num, add_num, address, city/state/postal,
country, remarks) and the remarks' continuation (`sdn_comments.csv`: ent_num, text). An auxiliary
row naming an entry the main file lacks is an orphan: counted per file, and the load goes on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from shared.countries import to_alpha2
from shared.schemas import Address, Alias, Identifier, WatchlistEntry
from shared.schemas.watchlist import AliasType, EntityKind
from shared.watchlists.identifiers import make_identifier
from shared.watchlists.ofac_csv import Row, parse_ent_num, read_rows
from shared.watchlists.ofac_remarks import parse_remarks
from shared.watchlists.parsed import ParseResult, Problem, Stamp, dedupe, validation_reason


@dataclass(frozen=True)
class OfacLayout:
    main: str
    alt: str
    add: str
    comments: str

    @property
    def roles(self) -> tuple[str, ...]:
        return (self.main, self.alt, self.add, self.comments)


SDN_LAYOUT = OfacLayout("sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv")
CONS_LAYOUT = OfacLayout("cons_prim.csv", "cons_alt.csv", "cons_add.csv", "cons_comments.csv")

_KINDS: dict[str | None, EntityKind] = {
    None: "organization",
    "individual": "person",
    "vessel": "vessel",
    "aircraft": "aircraft",
}
_ALIAS_TYPES: dict[str, AliasType] = {"aka": "aka", "fka": "fka", "nka": "nka"}
_PROGRAM_SPLIT = re.compile(r"\]\s*\[")


@dataclass
class _Draft:
    line: int
    row: Row
    remarks: str = ""
    aliases: list[Alias] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)


def parse_ofac(
    files: dict[str, Path], layout: OfacLayout, list_id: str, stamp: Stamp
) -> ParseResult:
    result = ParseResult(list_id=list_id)
    drafts = _read_main(files[layout.main], layout.main, result)
    if layout.comments in files:
        _read_comments(files[layout.comments], layout.comments, drafts, result)
    if layout.alt in files:
        _read_aliases(files[layout.alt], layout.alt, drafts, result)
    if layout.add in files:
        _read_addresses(files[layout.add], layout.add, drafts, result)
    for ent_num, draft in drafts.items():
        try:
            result.entries.append(_build(ent_num, draft, list_id, stamp))
        except ValidationError as error:
            result.problems.append(Problem(layout.main, draft.line, validation_reason(error)))
    return result


def _read_main(path: Path, name: str, result: ParseResult) -> dict[str, _Draft]:
    drafts: dict[str, _Draft] = {}
    for line, row in read_rows(path):
        result.rows += 1
        reason = _main_row_problem(row, drafts)
        if reason is not None:
            result.problems.append(Problem(name, line, reason))
            continue
        ent_num = parse_ent_num(row[0])
        assert ent_num is not None
        drafts[ent_num] = _Draft(line=line, row=row, remarks=row[11] or "")
    return drafts


def _main_row_problem(row: Row, seen: dict[str, _Draft]) -> str | None:
    if len(row) != 12:
        return f"expected 12 fields, found {len(row)}"
    ent_num = parse_ent_num(row[0])
    if ent_num is None:
        return f"ent_num {row[0]!r} is not a number"
    if ent_num in seen:
        return f"ent_num {ent_num} repeats line {seen[ent_num].line}"
    if not row[1]:
        return "name is empty"
    if row[2] not in _KINDS:
        return f"unknown type {row[2]!r}"
    return None


def _aux_rows(
    path: Path, name: str, width: int, drafts: dict[str, _Draft], result: ParseResult
) -> list[tuple[int, Row, _Draft]]:
    """Well-formed rows of an auxiliary file that join an entry; counts orphans, notes problems."""
    joined: list[tuple[int, Row, _Draft]] = []
    result.orphans.setdefault(name, 0)
    for line, row in read_rows(path):
        ent_num = parse_ent_num(row[0])
        if len(row) != width:
            result.problems.append(
                Problem(name, line, f"expected {width} fields, found {len(row)}")
            )
        elif ent_num is None:
            result.problems.append(Problem(name, line, f"ent_num {row[0]!r} is not a number"))
        elif ent_num not in drafts:
            result.orphans[name] += 1
        else:
            joined.append((line, row, drafts[ent_num]))
    return joined


def _read_comments(path: Path, name: str, drafts: dict[str, _Draft], result: ParseResult) -> None:
    for _, row, draft in _aux_rows(path, name, 2, drafts, result):
        # The main file cuts long remarks mid-word; the comment row carries on from there.
        draft.remarks += row[1] or ""


def _read_aliases(path: Path, name: str, drafts: dict[str, _Draft], result: ParseResult) -> None:
    for line, row, draft in _aux_rows(path, name, 5, drafts, result):
        kind = _ALIAS_TYPES.get((row[2] or "").lower())
        if kind is None or not row[3]:
            reason = f"unknown alias type {row[2]!r}" if kind is None else "alias name is empty"
            result.problems.append(Problem(name, line, reason))
            continue
        weak = "weak" in (row[4] or "").lower()
        draft.aliases.append(Alias(name=row[3], type=kind, weak=weak))


def _read_addresses(path: Path, name: str, drafts: dict[str, _Draft], result: ParseResult) -> None:
    for _, row, draft in _aux_rows(path, name, 6, drafts, result):
        text, city, country = row[2], row[3], row[4]
        code = country_code(country)
        if text is None and city is None and code is None:
            continue
        if code is None and country is not None:
            # "undetermined" or a region with no country: keep the words, not a code.
            city = ", ".join(p for p in (city, country) if p)
        draft.addresses.append(Address(text=text, city=city, country=code))


def country_code(text: str | None) -> str | None:
    if text is None:
        return None
    return to_alpha2(text.removeprefix("Region:").strip())


def _build(ent_num: str, draft: _Draft, list_id: str, stamp: Stamp) -> WatchlistEntry:
    row = draft.row
    facts = parse_remarks(draft.remarks) if draft.remarks else None
    identifiers: list[Identifier] = []
    countries: list[str] = [a.country for a in draft.addresses if a.country]
    if row[5]:
        call_sign = make_identifier("call_sign", row[5], label="Call Sign")
        identifiers.extend([call_sign] if call_sign else [])
    flag = country_code(row[9])
    if flag:
        countries.append(flag)
    if facts is not None:
        identifiers.extend(facts.identifiers)
        countries.extend(facts.countries)
    name = row[1] or ""
    return WatchlistEntry(
        list_id=list_id,
        entry_id=ent_num,
        kind=_KINDS[row[2]],
        name=name,
        aliases=merge_aliases(name, draft.aliases + (facts.aliases if facts else [])),
        programs=[p.strip() for p in _PROGRAM_SPLIT.split(row[3] or "") if p.strip()],
        countries=dedupe(countries),
        addresses=draft.addresses,
        identifiers=unique_identifiers(identifiers),
        birth_dates=dedupe(facts.birth_dates) if facts else [],
        remarks=draft.remarks or None,
        list_version=stamp.version,
        published_at=stamp.published_at,
    )


def merge_aliases(name: str, aliases: list[Alias]) -> list[Alias]:
    """One alias per name (the strong one wins), never the primary name itself."""
    merged: dict[str, Alias] = {}
    primary = name.casefold()
    for alias in aliases:
        key = alias.name.casefold()
        if key == primary:
            continue
        if key not in merged or (merged[key].weak and not alias.weak):
            merged[key] = alias
    return list(merged.values())


def unique_identifiers(identifiers: list[Identifier]) -> list[Identifier]:
    seen: dict[tuple[str, str], Identifier] = {}
    for identifier in identifiers:
        seen.setdefault((identifier.type, identifier.value), identifier)
    return list(seen.values())
