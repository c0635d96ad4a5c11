"""The Common High Priority List (EU/US/UK/Japan) as data, and lookup by HS prefix.

The codes live in `data/chpl.json` with their source and date; this module only reads and
indexes them. A declared code of six digits or more matches a listed subheading by its first six
digits; a shorter one (a heading such as `8542`) is only a possible match, because the listed
subheading may or may not be what was shipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import orjson

DEFAULT_CHPL_PATH = Path(__file__).resolve().parent / "data" / "chpl.json"
HS6_DIGITS = 6
MIN_HEADING_DIGITS = 4


@dataclass(frozen=True)
class ChplCode:
    hs6: str
    tier: str
    description: str


@dataclass(frozen=True)
class ChplHit:
    """A declared HS code that is (or, declared coarsely, may be) on the list."""

    declared: str
    codes: tuple[ChplCode, ...]
    exact: bool

    @property
    def best_tier(self) -> str:
        # Tiers sort as strings: "1" < "2" < "3.A" < "3.B" < "4.A" < "4.B"; lower is worse.
        return min(code.tier for code in self.codes)


class ChplTable:
    def __init__(self, version: str, codes: tuple[ChplCode, ...]) -> None:
        self.version = version
        self.codes = codes
        self._by_hs6 = {code.hs6: code for code in codes}

    def lookup(self, hs_code: str | None) -> ChplHit | None:
        """The list entries a declared HS code falls under, or None."""
        if not hs_code:
            return None
        digits = hs_code.replace(".", "").replace(" ", "")
        if len(digits) >= HS6_DIGITS:
            found = self._by_hs6.get(digits[:HS6_DIGITS])
            return ChplHit(digits, (found,), exact=True) if found is not None else None
        if len(digits) < MIN_HEADING_DIGITS:
            return None  # a chapter (two digits) says too little to flag anything
        under = tuple(code for code in self.codes if code.hs6.startswith(digits))
        return ChplHit(digits, under, exact=False) if under else None


def load_chpl(path: Path = DEFAULT_CHPL_PATH) -> ChplTable:
    data = orjson.loads(path.read_bytes())
    codes = tuple(
        ChplCode(hs6=str(row["hs"]), tier=str(row["tier"]), description=str(row["description"]))
        for row in data["codes"]
    )
    for code in codes:
        if len(code.hs6) != HS6_DIGITS or not code.hs6.isdigit():
            raise ValueError(f"{path}: CHPL code {code.hs6!r} is not six digits")
    return ChplTable(version=str(data["version"]), codes=codes)
