"""Identifier values compared exactly after normalisation: `RU 774-323-7789` = `7743237789`.

Upper case, letters and digits only, a leading ISO country prefix before an all-digit number
dropped (`RU7743237789`, `DE 123456789` for VAT), `IMO` dropped before a vessel number. Values
shorter than `MIN_LENGTH` identify nothing and are ignored.
"""

from __future__ import annotations

import re

MIN_LENGTH = 5

_NOT_ALNUM = re.compile(r"[^0-9A-Z]")
_COUNTRY_PREFIXED = re.compile(r"^[A-Z]{2}(\d{5,})$")

COMPANY_NUMBER_TYPES = frozenset(
    {"tax_id", "registration", "vat", "national_id", "inn", "ogrn", "kpp", "okpo", "uscc"}
)
"""Types a customs record and a list may file under one another: an INN is a tax id to one and
a registration number to another."""


def normalise_identifier(value: str) -> str:
    compact = _NOT_ALNUM.sub("", value.upper())
    if compact.startswith("IMO") and compact[3:].isdigit():
        compact = compact[3:]
    prefixed = _COUNTRY_PREFIXED.match(compact)
    if prefixed is not None:
        compact = prefixed.group(1)
    return compact if len(compact) >= MIN_LENGTH else ""


def normalise_type(kind: str) -> str:
    return kind.strip().lower().replace("-", "_").replace(" ", "_")


def types_compatible(query_type: str, list_type: str) -> bool:
    """Whether a value filed under `query_type` may be the list's `list_type` value."""
    if query_type == list_type:
        return True
    if query_type in COMPANY_NUMBER_TYPES and list_type in COMPANY_NUMBER_TYPES:
        return True
    # A type the list never uses ("id", "number", "customs_code") can be anything.
    return query_type not in KNOWN_TYPES


KNOWN_TYPES = COMPANY_NUMBER_TYPES | {
    "imo",
    "mmsi",
    "lei",
    "swift_bic",
    "passport",
    "duns",
    "bik",
    "call_sign",
    "aircraft_msn",
    "aircraft_tail",
    "driver_license",
    "email",
    "website",
    "phone",
    "crypto_wallet",
}
