"""`uk-ofsi`: HM Treasury's consolidated list (ConList xlsx) as watchlist entries.

Sheet "Data": row 1 "Last Updated", row 2 the headers, then one row per name or alias, rows of
one designation sharing a Group ID. Names: `Name 1`..`Name 5` (given names) and `Name 6` (family
name, or an entity's whole name). `Alias Type` "Primary name" names the entry; the other rows are
aliases ("Low quality" ones weak); a `Name Non-Latin Script` is an alias too. Identifiers come from
the passport and national identification columns and from the "(IMO number):",
"(Business Reg No):" parts of `Other Information`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from shared.countries import to_alpha2
from shared.schemas import Address, Alias, Identifier, WatchlistEntry
from shared.schemas.watchlist import EntityKind
from shared.watchlists.identifiers import make_identifier
from shared.watchlists.ofac import merge_aliases, unique_identifiers
from shared.watchlists.parsed import (
    ParseResult,
    Problem,
    SourceError,
    Stamp,
    dedupe,
    validation_reason,
)

SHEET = "Data"
_KINDS: dict[str, EntityKind] = {"individual": "person", "entity": "organization", "ship": "vessel"}
_ENUMERATION = re.compile(r"\(\d+\)")
_OTHER_INFO = re.compile(r"\(([^()]{2,40})\):")
_BUSINESS_ID = re.compile(r"\b(INN|TIN|OGRNIP|OGRN|BIN|BR|CR)\b\s*[:\-–]?\s*([0-9A-Z][0-9A-Z\-]*)")
_NAME_COLUMNS = ("Name 1", "Name 2", "Name 3", "Name 4", "Name 5", "Name 6")


@dataclass
class _Group:
    line: int
    rows: list[dict[str, str]] = field(default_factory=list)


def parse_ofsi(path: Path, list_id: str, stamp: Stamp) -> ParseResult:
    import openpyxl  # heavy: only when a UK list is read

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a bad file
        raise SourceError(f"{path.name}: not a readable xlsx workbook ({error})") from error
    try:
        if SHEET not in book.sheetnames:
            raise SourceError(f"{path.name}: no sheet {SHEET!r} (found {book.sheetnames})")
        result = ParseResult(list_id=list_id)
        groups = _read_groups(book[SHEET].iter_rows(values_only=True), path.name, result)
    finally:
        book.close()
    for group_id, group in groups.items():
        try:
            result.entries.append(_build(group_id, group, list_id, stamp))
        except (ValidationError, ValueError) as error:
            reason = validation_reason(error) if isinstance(error, ValidationError) else str(error)
            result.problems.append(Problem(path.name, group.line, reason))
    return result


def _read_groups(rows: Any, name: str, result: ParseResult) -> dict[str, _Group]:
    groups: dict[str, _Group] = {}
    headers: list[str] = []
    for number, values in enumerate(rows, start=1):
        if number == 1:
            continue
        cells = ["" if v is None else str(v).strip() for v in values]
        if number == 2:
            headers = cells
            missing = {"Group ID", "Name 6", "Group Type"} - set(headers)
            if missing:
                raise SourceError(f"{name}: header row lacks {sorted(missing)}")
            continue
        if not any(cells):
            continue
        result.rows += 1
        row = dict(zip(headers, cells, strict=False))
        if not row.get("Group ID"):
            result.problems.append(Problem(name, number, "Group ID is empty"))
        elif not _full_name(row):
            result.problems.append(Problem(name, number, "no name in Name 1..6"))
        else:
            groups.setdefault(row["Group ID"], _Group(line=number)).rows.append(row)
    return groups


def _full_name(row: dict[str, str]) -> str:
    return " ".join(row[c] for c in _NAME_COLUMNS if row.get(c))


def _build(group_id: str, group: _Group, list_id: str, stamp: Stamp) -> WatchlistEntry:
    primary = next((r for r in group.rows if r.get("Alias Type") == "Primary name"), group.rows[0])
    kind = _KINDS.get(primary.get("Group Type", "").lower())
    if kind is None:
        raise ValueError(f"unknown Group Type {primary.get('Group Type')!r}")
    name = _full_name(primary)
    aliases: list[Alias] = []
    for row in group.rows:
        if row is not primary:
            fka = row.get("Alias Type") == "FKA"
            weak = row.get("Alias Quality") == "Low quality"
            aliases.append(Alias(name=_full_name(row), type="fka" if fka else "aka", weak=weak))
        if row.get("Name Non-Latin Script"):
            aliases.append(Alias(name=row["Name Non-Latin Script"]))
    addresses = dedupe_addresses([_address(r) for r in group.rows])
    countries = [a.country for a in addresses if a.country]
    for row in group.rows:
        countries.extend(c for c in map(to_alpha2, enumerated(row.get("Nationality", ""))) if c)
        flag = _other_information(row.get("Other Information", "")).get("Flag of ship")
        if flag and (code := to_alpha2(flag)):
            countries.append(code)
    return WatchlistEntry(
        list_id=list_id,
        entry_id=group_id,
        kind=kind,
        name=name,
        aliases=merge_aliases(name, aliases),
        programs=dedupe([r["Regime"] for r in group.rows if r.get("Regime")]),
        countries=dedupe(countries),
        addresses=addresses,
        identifiers=unique_identifiers([i for r in group.rows for i in _identifiers(r)]),
        birth_dates=dedupe([d for r in group.rows if (d := uk_date(r.get("DOB", "")))]),
        listed_on=_listed_on(primary.get("Listed On", "")),
        remarks=primary.get("Other Information") or None,
        list_version=stamp.version,
        published_at=stamp.published_at,
    )


def enumerated(text: str) -> list[str]:
    """ "(1) Syria. (2) Iraq" -> ["Syria", "Iraq"]; plain text -> [text]."""
    return [p.strip(" .,;") for p in _ENUMERATION.split(text) if p.strip(" .,;")]


def _address(row: dict[str, str]) -> Address | None:
    lines = [row.get(f"Address {i}", "") for i in range(1, 7)] + [row.get("Post/Zip Code", "")]
    text = ", ".join(p for p in lines if p) or None
    country = to_alpha2(row["Country"]) if row.get("Country") else None
    if text is None and country is None:
        return None
    return Address(text=text, country=country)


def dedupe_addresses(addresses: list[Address | None]) -> list[Address]:
    unique: dict[tuple[str | None, str | None, str | None], Address] = {}
    for address in addresses:
        if address is not None:
            unique.setdefault((address.text, address.city, address.country), address)
    return list(unique.values())


def _identifiers(row: dict[str, str]) -> list[Identifier]:
    found: list[Identifier | None] = []
    for value in enumerated(row.get("Passport Number", "")):
        found.append(make_identifier("passport", value, label="Passport Number"))
    for value in enumerated(row.get("National Identification Number", "")):
        found.append(make_identifier("national_id", value, label="National Identification Number"))
    info = _other_information(row.get("Other Information", ""))
    if "IMO number" in info:
        found.append(make_identifier("imo", info["IMO number"], label="IMO number"))
    for piece in enumerated(info.get("Business Reg No", "")):
        match = _BUSINESS_ID.search(piece)
        if match is None:
            found.append(make_identifier("registration", piece, label="Business Reg No"))
            continue
        kind = "tax_id" if match.group(1) in ("INN", "TIN") else "registration"
        found.append(make_identifier(kind, match.group(2), label=match.group(1)))
    return [i for i in found if i is not None]


def _other_information(text: str) -> dict[str, str]:
    """ "(IMO number):9312975 (Flag of ship):Panama" -> {"IMO number": "9312975", ...}."""
    parts = _OTHER_INFO.split(text)
    return {parts[i].strip(): parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}


def uk_date(text: str) -> str | None:
    """ "05/11/1961" -> "1961-11-05"; "00/00/1994" -> "1994"; "1954" -> "1954"."""
    pieces = [p for p in text.strip().split("/") if p]
    if not pieces or not all(p.isdigit() for p in pieces):
        return None
    year, rest = pieces[-1], [p for p in reversed(pieces[:-1]) if int(p) != 0]
    if len(year) != 4:
        return None
    return "-".join([year, *(p.zfill(2) for p in rest)])


def _listed_on(text: str) -> date | None:
    parsed = uk_date(text)
    if parsed is None or len(parsed) != 10:
        return None
    return date.fromisoformat(parsed)
