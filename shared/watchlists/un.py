"""`un-sc`: the UN Security Council consolidated list (XML) as watchlist entries.

`CONSOLIDATED_LIST/INDIVIDUALS/INDIVIDUAL` and `ENTITIES/ENTITY`, each with a REFERENCE_NUMBER
(the entry id, e.g. "CDi.001"), FIRST_NAME..FOURTH_NAME, UN_LIST_TYPE (the program), LISTED_ON,
aliases (`*_ALIAS`: QUALITY "Low" is weak, "f.k.a." a former name), NAME_ORIGINAL_SCRIPT,
NATIONALITY, addresses, dates of birth and documents. Problems name the record's line.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from xml.etree.ElementTree import Element, TreeBuilder
from xml.parsers import expat

from pydantic import ValidationError

from shared.countries import to_alpha2
from shared.schemas import Address, Alias, Identifier, WatchlistEntry
from shared.watchlists.identifiers import make_identifier
from shared.watchlists.ofac import merge_aliases, unique_identifiers
from shared.watchlists.ofsi import dedupe_addresses
from shared.watchlists.parsed import (
    ParseResult,
    Problem,
    SourceError,
    Stamp,
    dedupe,
    validation_reason,
)

_RECORDS = {"INDIVIDUAL": "person", "ENTITY": "organization"}
_DOCUMENT_TYPES = {"passport": "passport", "national identification": "national_id"}


def read_tree(path: Path) -> tuple[Element, dict[int, int]]:
    """The document root and, for each INDIVIDUAL/ENTITY element (by id), its starting line."""
    builder = TreeBuilder()
    parser = expat.ParserCreate()
    lines: dict[int, int] = {}

    def start(tag: str, attrs: dict[str, str]) -> None:
        element = builder.start(tag, attrs)
        if tag in _RECORDS:
            lines[id(element)] = parser.CurrentLineNumber

    parser.StartElementHandler = start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    try:
        with path.open("rb") as file:
            parser.ParseFile(file)
    except expat.ExpatError as error:
        raise SourceError(f"{path.name}: not well-formed XML ({error})") from error
    return builder.close(), lines


def parse_un(path: Path, list_id: str, stamp: Stamp) -> ParseResult:
    root, lines = read_tree(path)
    if root.tag != "CONSOLIDATED_LIST":
        raise SourceError(f"{path.name}: root element is {root.tag}, not CONSOLIDATED_LIST")
    result = ParseResult(list_id=list_id)
    seen: dict[str, int] = {}
    for record in root.iter():
        if record.tag not in _RECORDS:
            continue
        result.rows += 1
        line = lines.get(id(record), 0)
        try:
            entry = _build(record, list_id, stamp)
        except (ValidationError, ValueError) as error:
            reason = validation_reason(error) if isinstance(error, ValidationError) else str(error)
            result.problems.append(Problem(path.name, line, reason))
            continue
        if entry.entry_id in seen:
            reason = f"REFERENCE_NUMBER {entry.entry_id} repeats line {seen[entry.entry_id]}"
            result.problems.append(Problem(path.name, line, reason))
            continue
        seen[entry.entry_id] = line
        result.entries.append(entry)
    return result


def _text(element: Element, path: str) -> str:
    return " ".join((element.findtext(path) or "").split())


def _build(record: Element, list_id: str, stamp: Stamp) -> WatchlistEntry:
    reference = _text(record, "REFERENCE_NUMBER")
    if not reference:
        raise ValueError("REFERENCE_NUMBER is empty")
    parts = [_text(record, t) for t in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")]
    # Entities sometimes carry two names in one field: "CAGL ; GREAT LAKES BUSINESS COMPANY".
    names = [n.strip() for n in " ".join(p for p in parts if p).split(" ; ") if n.strip()]
    if not names:
        raise ValueError("FIRST_NAME is empty")
    prefix = record.tag
    aliases = [Alias(name=n) for n in names[1:]] + _aliases(record, f"{prefix}_ALIAS")
    original = _text(record, "NAME_ORIGINAL_SCRIPT")
    if original:
        aliases.append(Alias(name=original))
    addresses = dedupe_addresses([_address(a) for a in record.iter(f"{prefix}_ADDRESS")])
    countries = [c for v in record.iterfind("NATIONALITY/VALUE") if (c := to_alpha2(v.text or ""))]
    countries.extend(a.country for a in addresses if a.country)
    listed = _text(record, "LISTED_ON")
    return WatchlistEntry(
        list_id=list_id,
        entry_id=reference,
        kind="person" if record.tag == "INDIVIDUAL" else "organization",
        name=names[0],
        aliases=merge_aliases(names[0], aliases),
        programs=[p for p in [_text(record, "UN_LIST_TYPE")] if p],
        countries=dedupe(countries),
        addresses=addresses,
        identifiers=unique_identifiers(_documents(record)),
        birth_dates=dedupe(_birth_dates(record)),
        listed_on=date.fromisoformat(listed[:10]) if listed else None,
        remarks=_text(record, "COMMENTS1") or None,
        list_version=stamp.version,
        published_at=stamp.published_at,
    )


def _aliases(record: Element, tag: str) -> list[Alias]:
    found: list[Alias] = []
    for alias in record.iter(tag):
        name = _text(alias, "ALIAS_NAME")
        if not name:
            continue
        quality = _text(alias, "QUALITY").lower()
        found.append(
            Alias(name=name, type="fka" if quality == "f.k.a." else "aka", weak=quality == "low")
        )
    return found


def _address(element: Element) -> Address | None:
    parts = [_text(element, t) for t in ("STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE")]
    country = to_alpha2(_text(element, "COUNTRY")) if _text(element, "COUNTRY") else None
    text = ", ".join(p for p in (parts[0], parts[2], parts[3]) if p) or None
    city = parts[1] or None
    if text is None and city is None and country is None:
        return None
    return Address(text=text, city=city, country=country)


def _birth_dates(record: Element) -> list[str]:
    found: list[str] = []
    for dob in record.iter("INDIVIDUAL_DATE_OF_BIRTH"):
        for tag in ("DATE", "YEAR", "FROM_YEAR", "TO_YEAR"):
            value = _text(dob, tag)
            if value:
                found.append(value[:10])
    return found


def _documents(record: Element) -> list[Identifier]:
    found: list[Identifier] = []
    for document in record.iter("INDIVIDUAL_DOCUMENT"):
        label = _text(document, "TYPE_OF_DOCUMENT")
        number = _text(document, "NUMBER")
        lowered = label.lower()
        kind = next((k for word, k in _DOCUMENT_TYPES.items() if word in lowered), None)
        if kind is None and "pas" in lowered:  # "Número de pasaporte", "Numéro de passeport"
            kind = "passport"
        if kind is None or not number:
            continue
        issuer = _text(document, "ISSUING_COUNTRY") or _text(document, "COUNTRY_OF_ISSUE")
        country = to_alpha2(issuer) if issuer else None
        identifier = make_identifier(kind, number, country=country, label=label)
        if identifier is not None:
            found.append(identifier)
    return found
