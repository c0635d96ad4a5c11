"""Types shared by the topic models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict


def _upper_alpha2(value: str) -> str:
    value = value.strip().upper()
    if len(value) != 2 or not value.isalpha():
        raise ValueError("must be an ISO 3166 alpha-2 country code")
    return value


CountryCode = Annotated[str, AfterValidator(_upper_alpha2)]
"""ISO 3166-1 alpha-2, upper case. Ingest converts names and alpha-3 before validation."""


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
"""An aware datetime, stored and emitted in UTC."""


class Model(BaseModel):
    """Base of every contract model: strict about unknown fields unless a model says otherwise."""

    # Python names may differ from JSON names (`list_id` is "list" on the wire, since a field
    # named `list` would shadow the builtin): accept both, always emit the JSON name.
    model_config = ConfigDict(
        extra="forbid", validate_by_name=True, validate_by_alias=True, serialize_by_alias=True
    )
