"""Identifier labels as lists write them, mapped to the normalised types that screening compares.

Types follow the shipment contract's party identifiers (`tax_id`, `registration`, `imo`,
`lei`, ...): a Russian INN is a `tax_id` and an OGRN a `registration` (the list's wording stays
in `label`), so that a customs record's `tax_id` meets the listed INN without a per-country table
in the matcher.
"""

from __future__ import annotations

import re

from shared.schemas import Identifier

TAX_ID = "tax_id"
REGISTRATION = "registration"

# Id-like types compare on upper-case letters and digits only ("AO 2879097" = "AO2879097").
_COMPACT_TYPES = frozenset(
    {
        "tax_id",
        "registration",
        "imo",
        "mmsi",
        "lei",
        "swift_bic",
        "passport",
        "national_id",
        "vat",
        "duns",
        "bik",
        "call_sign",
        "aircraft_msn",
        "aircraft_tail",
        "driver_license",
    }
)
_NOT_ALNUM = re.compile(r"[^0-9A-Z]")

# (type, label pattern) in the order they are tried: longer, more specific labels first.
_LABELS: tuple[tuple[str, str], ...] = (
    ("imo", r"Vessel Registration Identification IMO|IMO number|IMO"),
    ("mmsi", r"MMSI"),
    ("swift_bic", r"SWIFT/BIC|SWIFT|BIC"),
    ("lei", r"Legal Entity Number|LEI"),
    ("bik", r"BIK \(RU\)"),
    ("duns", r"D-U-N-S Number"),
    ("vat", r"V\.A\.T\. Number|VAT Number"),
    (
        "tax_id",
        r"Tax ID No\.|Tax ID|Tax Identification Number|Taxpayer Identification Number|"
        r"Personal Tax Number|US FEIN|R\.F\.C\.|RFC|Italian Fiscal Code|Fiscal Code|"
        r"C\.U\.I\.T\.|N\.I\.T\. #|NIT #|RUC #|INN|TIN|ИНН",
    ),
    (
        "registration",
        r"Registration Number|Registration ID|Registration No\.|"
        r"Unified Social Credit Code \(USCC\)|UK Company Number|Company Number|"
        r"Commercial Registry Number|Business Registration Document #|"
        r"Business Registration Number|Business Number|Certificate of Incorporation Number|"
        r"Chamber of Commerce Number|Trade License No\.|Economic Register Number \(CBLS\)|"
        r"Central Registration System Number|Enterprise Number|C\.R\. No\.|"
        r"Folio Mercantil No\.|Matricula Mercantil No|Istanbul Chamber of Comm\. No\.|"
        r"Dubai Chamber of Commerce Membership No\.|Government Gazette Number|"
        r"Registered Charity No\.|Branch Unit Number|Public Registration Number|"
        r"Business Reg No|OGRNIP|OGRN|ОГРН",
    ),
    ("passport", r"Diplomatic Passport|Passport No\.|Passport"),
    ("driver_license", r"Driver's License No\.|Driver's License"),
    (
        "national_id",
        r"National ID No\.|National Identification Number|Personal ID Card|"
        r"Turkish Identification Number|Identification Number|Cedula No\.|C\.U\.R\.P\. #|"
        r"C\.U\.R\.P\.|D\.N\.I\.|NIE|SSN|Numero de Identidad|Residency Number|"
        r"Birth Certificate Number|Electoral Registry No\.|Credencial electoral|I\.F\.E\.|"
        r"C\.U\.I\.|Kenyan ID No\.|Public Security and Immigration No\.|"
        r"Cartilla de Servicio Militar Nacional|Refugee ID Card|Moroccan Personal ID No\.",
    ),
    (
        "aircraft_msn",
        r"Aircraft Manufacturer's Serial Number \(MSN\)|"
        r"Aircraft Construction Number \(also called L/N or S/N or F/N\)|"
        r"Aircraft Construction Number",
    ),
    ("aircraft_tail", r"Previous Aircraft Tail Number|Aircraft Tail Number"),
    ("email", r"Email Address|Email"),
    ("website", r"Website"),
    ("phone", r"Phone Number|Telephone No\.|Telephone|Phone"),
    ("crypto_wallet", r"Digital Currency Address - [A-Z0-9]+"),
)

LABELLED = re.compile(
    r"^(?P<label>"
    + "|".join(f"(?P<t{i}>{pattern})" for i, (_, pattern) in enumerate(_LABELS))
    + ")"
    r"(?:\s*[:#]\s*|\s+)(?P<value>\S.*)$"
)


def type_of_label(label: str) -> str | None:
    """The normalised type for a list's label, or None when the label names no identifier."""
    match = LABELLED.match(f"{label} x")
    return _matched_type(match) if match else None


def _matched_type(match: re.Match[str]) -> str:
    for i, (kind, _) in enumerate(_LABELS):
        if match.group(f"t{i}") is not None:
            return kind
    raise AssertionError("a label group always matches")


def normalise_value(kind: str, value: str) -> str:
    """Id-like values in upper-case letters and digits only; others trimmed."""
    value = value.strip().strip(".,;")
    if kind in _COMPACT_TYPES:
        return _NOT_ALNUM.sub("", value.upper())
    return value


def make_identifier(
    kind: str, value: str, *, country: str | None = None, label: str | None = None
) -> Identifier | None:
    """An `Identifier`, or None when nothing is left of the value after normalisation."""
    normalised = normalise_value(kind, value)
    if not normalised:
        return None
    if kind == "imo" and normalised.startswith("IMO"):
        normalised = normalised[3:]
    return Identifier(type=kind, value=normalised, country=country, label=label)


def parse_labelled(text: str) -> tuple[str, str, str] | None:
    """`"Tax ID No. 7743237789 (Russia)"` -> ("tax_id", "Tax ID No.", "7743237789 (Russia)")."""
    match = LABELLED.match(text.strip())
    if match is None:
        return None
    return _matched_type(match), match.group("label"), match.group("value")
