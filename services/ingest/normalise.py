"""Pure normalisers for the fields shipments arrive with: text, countries, dates, HS codes.

Each function takes what a document said and returns the canonical form, or raises
`NormaliseError` (a ValueError) with a message fit to show the sender. No clock, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, time

from shared.countries import to_alpha2

MIN_YEAR = 1900
MAX_YEAR = 2999
_SHOWN_CHARS = 40

# Invisible characters that only hide text from a reader or a matcher. Whitespace control
# characters (tab, newline, ...) are left for the whitespace collapse to turn into one space;
# zero-width joiners (U+200C, U+200D) stay, because Persian and Indic spellings need them.
_INVISIBLE = [
    *(c for c in range(0x00, 0x20) if not chr(c).isspace()),
    *range(0x7F, 0x85),
    *range(0x86, 0xA0),
    0x00AD,
    0x200B,
    0x200E,
    0x200F,
    *range(0x202A, 0x202F),
    *range(0x2060, 0x2065),
    *range(0x2066, 0x206A),
    0xFEFF,
]
_DROP_INVISIBLE = dict.fromkeys(_INVISIBLE)

_HS_SEPARATORS = re.compile(r"[.\s\-]")
_HS_DIGITS = re.compile(r"^[0-9]{2,10}$")
_DOTTED_DATE = re.compile(
    r"^(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})"
    r"(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?$"
)
_SLASHED_ISO_DATE = re.compile(r"^(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})$")
_COMPACT_DATE = re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$")
_AMBIGUOUS_DATE = re.compile(r"^\d{1,2}[/-]\d{1,2}[/-]\d{2,4}")


class NormaliseError(ValueError):
    """A value that cannot be brought to its canonical form; `error_type` is a metric label."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


def shown(value: object) -> str:
    """A value quoted for an error message, cut short: a sender may send megabytes."""
    text = repr(value)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 3] + "..."


def clean_text(value: str) -> str:
    """Unicode NFC, invisible and control characters removed, whitespace runs made one space."""
    text = unicodedata.normalize("NFC", value.translate(_DROP_INVISIBLE))
    return " ".join(text.split())


def identifier_key(value: str) -> str:
    """`Tax ID` -> `tax_id`: lower case, words joined by underscores."""
    return "_".join(re.split(r"[\s\-]+", clean_text(value).lower())).strip("_")


def country(value: str) -> str:
    """A country name, alpha-2 or alpha-3 code -> upper-case alpha-2."""
    code = to_alpha2(value)
    if code is None:
        raise NormaliseError("unknown_country", f"unknown country {shown(value)}")
    return code


def hs_code(value: str | int) -> str:
    """`8708.30` or `8708 30` or 870830 -> `870830`; 2 to 10 digits after."""
    if isinstance(value, bool) or (isinstance(value, int) and value < 0):
        raise NormaliseError("invalid_hs_code", f"HS code must be digits, not {shown(value)}")
    digits = _HS_SEPARATORS.sub("", str(value))
    if not _HS_DIGITS.match(digits):
        raise NormaliseError(
            "invalid_hs_code",
            f"HS code {shown(value)} must be 2 to 10 digits once dots and spaces are removed",
        )
    return digits


def utc_datetime(value: str | datetime | date) -> datetime:
    """An aware datetime in UTC. Naive dates and datetimes are taken to be UTC already.

    Accepted: ISO 8601 (`2024-02-21`, `2024-02-21T09:30:00+09:00`, `...Z`, a space for the T),
    `21.02.2024` (day first, optionally with `09:30[:00]`), `2024/02/21`, `20240221`.
    `02/03/2024` is refused: day-first and month-first readings disagree.
    """
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time())
    else:
        parsed = _parse_datetime_text(clean_text(value))
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise NormaliseError(
            "invalid_date", f"date {shown(value)} is outside {MIN_YEAR} to {MAX_YEAR}"
        )
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise NormaliseError("invalid_date", f"date {shown(value)} is out of range") from None


def _parse_datetime_text(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    try:
        return _parse_other_formats(text)
    except ValueError:
        pass
    if _AMBIGUOUS_DATE.match(text):
        raise NormaliseError(
            "invalid_date",
            f"ambiguous date {shown(text)}: use YYYY-MM-DD (ISO 8601) or DD.MM.YYYY",
        )
    raise NormaliseError(
        "invalid_date",
        f"unreadable date {shown(text)}: use ISO 8601 such as 2024-02-21 or "
        "2024-02-21T09:30:00+09:00, or DD.MM.YYYY",
    )


def _parse_other_formats(text: str) -> datetime:
    """The non-ISO formats; raises ValueError when none fits or the date does not exist."""
    for pattern in (_DOTTED_DATE, _SLASHED_ISO_DATE, _COMPACT_DATE):
        found = pattern.match(text)
        if found is None:
            continue
        parts = found.groupdict()
        return datetime(
            int(parts["y"]),
            int(parts["m"]),
            int(parts["d"]),
            int(parts.get("H") or 0),
            int(parts.get("M") or 0),
            int(parts.get("S") or 0),
        )
    raise ValueError(text)
