"""What the OFAC legacy `remarks` column says about an entry, taken apart.

Remarks are `; `-separated statements: identifiers ("Tax ID No. 7743237789 (Russia)",
"Vessel Registration Identification IMO 9187629"), weak aliases ("a.k.a. 'BNC'"), birth dates,
nationality and citizenship, and free text ("Linked To: ...", titles) that stays in `remarks`.
In the legacy format OFAC puts its low-quality ("weak") a.k.a.s only in the remarks, so those
aliases are marked weak.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from shared.countries import to_alpha2
from shared.schemas import Alias, Identifier
from shared.schemas.watchlist import AliasType
from shared.watchlists.identifiers import make_identifier, parse_labelled

_SPLIT = re.compile(r";\s+")
_ALIAS = re.compile(r"^(?P<kind>[afn])\.k\.a\.,?\s+'?(?P<name>.+?)'?$")
_ALIAS_TYPES: dict[str, AliasType] = {"a": "aka", "f": "fka", "n": "nka"}
_COUNTRY_TAIL = re.compile(r"^(?P<value>.*?)\s*\((?P<country>[^()]+)\)(?P<rest>.*)$")
_VALIDITY = re.compile(r"\s+(?:issued|expires|valid|Issue Date|Expiration Date)\b.*$")
_DOB = re.compile(r"^(?:alt\.\s+)?DOB\s+(?P<text>.+)$")
_NATIONALITY = re.compile(r"^(?:alt\.\s+)?(?:nationality|citizen)\s+(?P<country>.+)$")


@dataclass
class RemarkFacts:
    aliases: list[Alias] = field(default_factory=list)
    identifiers: list[Identifier] = field(default_factory=list)
    birth_dates: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)


def parse_remarks(remarks: str) -> RemarkFacts:
    facts = RemarkFacts()
    for part in _SPLIT.split(remarks.strip()):
        _read_statement(part.strip().rstrip(".").strip(), facts)
    return facts


def _read_statement(part: str, facts: RemarkFacts) -> None:
    if not part:
        return
    alias = _ALIAS.match(part)
    if alias is not None:
        kind = _ALIAS_TYPES[alias.group("kind")]
        facts.aliases.append(Alias(name=alias.group("name").strip(), type=kind, weak=True))
        return
    dob = _DOB.match(part)
    if dob is not None:
        facts.birth_dates.extend(parse_birth_dates(dob.group("text")))
        return
    nationality = _NATIONALITY.match(part)
    if nationality is not None:
        code = to_alpha2(nationality.group("country"))
        if code is not None:
            facts.countries.append(code)
        return
    identifier = _read_identifier(part.removeprefix("alt. ").removeprefix("Alt. "))
    if identifier is not None:
        facts.identifiers.append(identifier)


def _read_identifier(part: str) -> Identifier | None:
    labelled = parse_labelled(part)
    if labelled is None:
        return None
    kind, label, rest = labelled
    if kind in {"email", "website", "phone", "crypto_wallet"}:
        value, country = rest, None
    else:
        value, country = split_value(rest)
    return make_identifier(kind, value, country=country, label=label)


def split_value(rest: str) -> tuple[str, str | None]:
    """`"7743237789 (Russia) issued 2019"` -> ("7743237789", "RU")."""
    rest = _VALIDITY.sub("", rest).strip()
    tail = _COUNTRY_TAIL.match(rest)
    if tail is None:
        return rest, None
    country = to_alpha2(tail.group("country"))
    if country is None:
        # "(USCC) ..." or "(also called ...)": not a country, part of the wording.
        return rest, None
    return tail.group("value").strip(), country


def parse_birth_dates(text: str) -> list[str]:
    """ "10 Dec 1948" -> ["1948-12-10"]; "circa 1951" -> ["1951"]; "1955 to 1958" -> both years."""
    text = text.replace("circa", "").strip()
    found: list[str] = []
    for piece in re.split(r"\s+to\s+", text):
        parsed = _one_date(piece.strip())
        if parsed is not None:
            found.append(parsed)
    return found


def _one_date(text: str) -> str | None:
    for fmt, width in (("%d %b %Y", 10), ("%b %Y", 7), ("%Y", 4)):
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return parsed.date().isoformat()[:width]
    return None


def parse_ofac_date(text: str) -> date | None:
    try:
        return datetime.strptime(text.strip(), "%d %b %Y").date()
    except ValueError:
        return None
