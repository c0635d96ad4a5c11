"""A raw record (as decoded from JSON or mapped from CSV) -> a canonical Shipment, or why not.

`prepare` is pure: the one-process demo and rescreen call it as well as the ingest service.
Normalisation runs first and rewrites the fields it knows; the Shipment model then validates
the result. Errors of both steps are reported together, each at its location, one per location.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from services.ingest import normalise
from services.ingest.errors import FieldError, Loc, ShipmentInvalid
from services.ingest.normalise import NormaliseError, clean_text
from services.ingest.structure import structural_errors
from shared.schemas.shipment import Shipment

log = logging.getLogger(__name__)

ROLE_ALIASES = {
    "exporter": "shipper",
    "consignor": "shipper",
    "importer": "consignee",
    "notify_party": "notify",
    "notify party": "notify",
}
_TEXT_FIELDS = ("port_of_loading", "port_of_discharge")
_COUNTRY_FIELDS = ("origin_country", "destination_country")
_TRANSIT_SEPARATORS = (";", "|")

_JSON_KINDS: dict[type, str] = {
    list: "an array",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "a boolean",
    type(None): "null",
}

Fix = Callable[[Any], Any]


def prepare(raw: object, default_source: str | None = None) -> Shipment:
    """Normalise and validate one record; raise ShipmentInvalid with field-level errors.

    `default_source` fills in `source` when the record has none (a file's `--source`).
    """
    if not isinstance(raw, dict):
        kind = _JSON_KINDS.get(type(raw), type(raw).__name__)
        raise ShipmentInvalid(
            [FieldError((), f"a shipment must be a JSON object, not {kind}", "not_an_object")]
        )
    data, errors = normalise_record(raw, default_source)
    errors[:0] = structural_errors(raw)
    try:
        shipment = Shipment.model_validate(data)
    except ValidationError as invalid:
        errors.extend(_pydantic_errors(invalid))
    except (TypeError, ValueError, ArithmeticError, RecursionError) as error:
        # A validator tripped over input nobody foresaw: still the sender's record, not ours.
        log.warning("unexpected %s validating a shipment", type(error).__name__, exc_info=True)
        errors.append(FieldError((), "the record could not be validated", "invalid"))
    if errors:
        raise ShipmentInvalid(_one_per_location(errors))
    return shipment


def normalise_record(
    raw: dict[str, Any], default_source: str | None
) -> tuple[dict[str, Any], list[FieldError]]:
    """A normalised copy of `raw` and the errors normalisation found. Unknown fields stay."""
    data = dict(raw)
    errors: list[FieldError] = []
    fix = _Fixer(errors)
    fix(data, (), "shipment_id", _required_identifier)
    fix(data, (), "source", _required_text)
    if data.get("source") in (None, "") and default_source:
        data["source"] = default_source
    fix(data, (), "declared_at", _datetime)
    fix(data, (), "direction", _lower)
    for name in _COUNTRY_FIELDS:
        fix(data, (), name, _country)
    for name in _TEXT_FIELDS:
        fix(data, (), name, _text)
    _transit_countries(data, errors)
    for index, party in _objects_in_list(data, "parties"):
        _party(fix, party, ("parties", index))
    for index, goods in _objects_in_list(data, "goods"):
        _goods(fix, goods, ("goods", index))
    if isinstance(data.get("vessel"), dict):
        data["vessel"] = vessel = dict(data["vessel"])
        _vessel(fix, vessel, ("vessel",))
    if data.get("extra") is not None and not isinstance(data["extra"], dict):
        errors.append(FieldError(("extra",), "extra must be a JSON object", "dict_type"))
        del data["extra"]
    return data, errors


class _Fixer:
    """Rewrites one field in place; a NormaliseError becomes a FieldError at that field."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors

    def __call__(self, data: dict[str, Any], loc: Loc, name: str, fix: Fix) -> None:
        if data.get(name) is None:
            return
        try:
            data[name] = fix(data[name])
        except NormaliseError as error:
            self.errors.append(FieldError((*loc, name), str(error), error.error_type))


def _objects_in_list(data: dict[str, Any], name: str) -> list[tuple[int, dict[str, Any]]]:
    """Copies of the objects in the list `data[name]` (put back in place), with their index."""
    value = data.get(name)
    if not isinstance(value, list):
        return []
    data[name] = items = [dict(item) if isinstance(item, dict) else item for item in value]
    return [(index, item) for index, item in enumerate(items) if isinstance(item, dict)]


def _transit_countries(data: dict[str, Any], errors: list[FieldError]) -> None:
    value = data.get("transit_countries")
    if isinstance(value, str):
        for separator in _TRANSIT_SEPARATORS:
            value = value.replace(separator, "\n")
        value = [part for part in value.split("\n") if part.strip()]
    if not isinstance(value, list):
        return
    codes: list[Any] = []
    for index, item in enumerate(value):
        try:
            codes.append(_country(item))
        except NormaliseError as error:
            errors.append(FieldError(("transit_countries", index), str(error), error.error_type))
            codes.append(item)
    data["transit_countries"] = codes


def _party(fix: _Fixer, party: dict[str, Any], loc: Loc) -> None:
    fix(party, loc, "role", _role)
    fix(party, loc, "name", _required_text)
    fix(party, loc, "address", _text)
    fix(party, loc, "country", _country)
    fix(party, loc, "identifiers", _identifiers)


def _goods(fix: _Fixer, goods: dict[str, Any], loc: Loc) -> None:
    fix(goods, loc, "hs_code", _hs_code)
    fix(goods, loc, "description", _text)
    fix(goods, loc, "unit", _text)
    fix(goods, loc, "currency", _upper)
    fix(goods, loc, "quantity", _number_text)
    fix(goods, loc, "value", _number_text)


def _vessel(fix: _Fixer, vessel: dict[str, Any], loc: Loc) -> None:
    fix(vessel, loc, "name", _text)
    fix(vessel, loc, "imo", _imo)


# Field fixes: a value of the wrong type is returned as is, for the model to name the type.


def _text(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    return clean_text(value) or None


def _required_text(value: Any) -> Any:
    """Cleaned, but blank stays "" (not None), for the model to say it is empty."""
    return clean_text(value) if isinstance(value, str) else value


def _identifier_text(value: Any) -> Any:
    return str(value) if _small_int(value) else _text(value)


def _required_identifier(value: Any) -> Any:
    return str(value) if _small_int(value) else _required_text(value)


def _small_int(value: Any) -> bool:
    # Numbers written where text belongs (ids, HS codes) are taken as their digits; huge ones
    # are left for the model to refuse, before str() meets Python's limit on integer digits.
    return isinstance(value, int) and not isinstance(value, bool) and value.bit_length() <= 256


def _lower(value: Any) -> Any:
    text = _text(value)
    return text.lower() if isinstance(text, str) else text


def _upper(value: Any) -> Any:
    text = _text(value)
    return text.upper() if isinstance(text, str) else text


def _role(value: Any) -> Any:
    role = _lower(value)
    return ROLE_ALIASES.get(role, role) if isinstance(role, str) else role


def _country(value: Any) -> Any:
    text = _text(value)
    return normalise.country(text) if isinstance(text, str) else text


def _datetime(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise NormaliseError("invalid_date", "a date must be text such as 2024-02-21, not a number")
    text = _text(value)
    return normalise.utc_datetime(text) if isinstance(text, str) else text


def _hs_code(value: Any) -> Any:
    if isinstance(value, str) and not clean_text(value):
        return None
    if isinstance(value, str) or _small_int(value):
        return normalise.hs_code(value)
    return value


def _number_text(value: Any) -> Any:
    return _text(value) if isinstance(value, str) else value


def _imo(value: Any) -> Any:
    text = _identifier_text(value)
    if not isinstance(text, str):
        return text
    upper = text.upper()
    return upper.removeprefix("IMO").replace(" ", "").strip() or None


def _identifiers(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    cleaned: dict[str, Any] = {}
    for key, item in value.items():
        name = normalise.identifier_key(str(key))
        text = _identifier_text(item)
        if text is None or not name:
            continue
        if name in cleaned and cleaned[name] != text:
            raise NormaliseError(
                "duplicate_identifier", f"identifier {name!r} is given twice with different values"
            )
        cleaned[name] = text
    return cleaned


def _pydantic_errors(invalid: ValidationError) -> list[FieldError]:
    return [
        FieldError(tuple(error["loc"]), error["msg"], error["type"])
        for error in invalid.errors(include_url=False, include_input=False, include_context=False)
    ]


def _one_per_location(errors: list[FieldError]) -> list[FieldError]:
    """Normalisation errors first; a model error at or under a reported location is dropped."""
    kept: list[FieldError] = []
    for error in errors:
        if any(seen.loc and error.loc[: len(seen.loc)] == seen.loc for seen in kept):
            continue
        kept.append(error)
    return kept
