"""Sanctioned countries and regions, and known transshipment countries, as data.

The judgement (which country counts as what, and how severe) lives in `data/countries.json`
with its sources; this module reads it into typed values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import orjson

DEFAULT_COUNTRIES_PATH = Path(__file__).resolve().parent / "data" / "countries.json"
SEVERITIES = ("low", "medium", "high")


@dataclass(frozen=True)
class SanctionedCountry:
    code: str
    name: str
    regime: str
    severity: str
    detail: str


@dataclass(frozen=True)
class SanctionedRegion:
    name: str
    regime: str
    severity: str
    pattern: re.Pattern[str]

    def found_in(self, text: str) -> str | None:
        """The keyword that names this region in `text`, or None."""
        match = self.pattern.search(text)
        return match.group(0) if match else None


@dataclass(frozen=True)
class CountryRisk:
    version: str
    sanctioned: Mapping[str, SanctionedCountry]
    regions: tuple[SanctionedRegion, ...]
    transshipment: Mapping[str, str]


def region_pattern(keywords: list[str]) -> re.Pattern[str]:
    words = "|".join(re.escape(k.lower()) for k in keywords)
    return re.compile(rf"\b(?:{words})\b", re.IGNORECASE)


def _severity(value: object, where: str) -> str:
    if value not in SEVERITIES:
        raise ValueError(f"{where}: severity must be one of {SEVERITIES}, not {value!r}")
    return str(value)


def load_country_risk(path: Path = DEFAULT_COUNTRIES_PATH) -> CountryRisk:
    data = orjson.loads(path.read_bytes())
    sanctioned = {
        code: SanctionedCountry(
            code=code,
            name=str(row["name"]),
            regime=str(row["regime"]),
            severity=_severity(row["severity"], f"{path}: {code}"),
            detail=str(row["detail"]),
        )
        for code, row in data["sanctioned"].items()
    }
    regions = tuple(
        SanctionedRegion(
            name=str(row["name"]),
            regime=str(row["regime"]),
            severity=_severity(row["severity"], f"{path}: {row['name']}"),
            pattern=region_pattern(list(row["keywords"])),
        )
        for row in data["sanctioned_regions"]
    )
    transshipment = {str(code): str(name) for code, name in data["transshipment"].items()}
    return CountryRisk(str(data["version"]), sanctioned, regions, transshipment)
