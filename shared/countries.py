"""Country names and codes to ISO 3166-1 alpha-2.

Built on `rigour.territories` (OpenSanctions' territory data: names in many languages and
scripts, alpha-2, alpha-3, other codes, common variants such as "UK", "USA", "South Korea",
"Korea, Republic of", "Türkiye", "Россия"). A sub-national territory ("Moscow", "Crimea")
resolves to its country; a historical or supranational one ("Soviet Union", "EU") to None,
because no alpha-2 stands for it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rigour.territories import lookup_territory

_ALPHA2 = re.compile(r"^[a-z]{2}$")
MAX_COUNTRY_TEXT = 200


@lru_cache(maxsize=4096)
def to_alpha2(text: str) -> str | None:
    """The upper-case alpha-2 code `text` names, or None when it names no current country."""
    cleaned = " ".join(text.split())
    if not cleaned or len(cleaned) > MAX_COUNTRY_TEXT:
        return None
    territory = lookup_territory(cleaned)
    while territory is not None and not _is_country_code(territory.code, territory.alpha3):
        if territory.is_historical:
            return None
        territory = territory.parent
    if territory is None or territory.is_historical:
        return None
    return territory.code.upper()


def _is_country_code(code: str, alpha3: str | None) -> bool:
    # Codes without an alpha-3 ("eu", "zz") are groupings or placeholders, not countries.
    return bool(_ALPHA2.match(code)) and alpha3 is not None
