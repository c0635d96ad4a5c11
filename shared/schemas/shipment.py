"""`shipments.ingested.v1`: the canonical shipment."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from shared.schemas.common import CountryCode, Model, UtcDatetime

Role = Literal[
    "shipper", "consignee", "notify", "manufacturer", "forwarder", "carrier", "buyer", "seller"
]
Direction = Literal["import", "export", "transit"]


class Party(Model):
    role: Role
    name: str = Field(min_length=1, max_length=1000)
    address: str | None = Field(default=None, max_length=2000)
    country: CountryCode | None = None
    identifiers: dict[str, str] = Field(
        default_factory=dict,
        description="tax_id, registration, imo, lei and others; values as written on the document",
    )

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value


class Goods(Model):
    hs_code: str | None = Field(default=None, pattern=r"^[0-9]{2,10}$")
    description: str | None = Field(default=None, max_length=5000)
    quantity: Decimal | None = Field(default=None, allow_inf_nan=False)
    unit: str | None = Field(default=None, max_length=32)
    value: Decimal | None = Field(default=None, allow_inf_nan=False)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")


class Vessel(Model):
    name: str | None = Field(default=None, max_length=500)
    imo: str | None = Field(default=None, pattern=r"^[0-9]{7}$")

    @property
    def named(self) -> bool:
        """Whether it says which ship (a name or an IMO number): then it is screened and
        stored like a party."""
        return bool(self.name or self.imo)


def vessel_identifiers(imo: str | None) -> dict[str, str]:
    """A vessel's IMO number as an identifier (type `imo`), as parties carry theirs: how it is
    screened, stored as a counterparty and matched by a suppression."""
    return {"imo": imo} if imo else {}


class Shipment(Model):
    """A trade document reduced to what screening needs; unknown fields are kept in `extra`."""

    shipment_id: str = Field(min_length=1, max_length=200)
    source: str = Field(min_length=1, max_length=100, pattern=r"^[^:\s]+$")
    declared_at: UtcDatetime | None = None
    direction: Direction | None = None
    origin_country: CountryCode | None = None
    destination_country: CountryCode | None = None
    parties: list[Party] = Field(min_length=1, max_length=200)
    goods: list[Goods] = Field(default_factory=list, max_length=10000)
    vessel: Vessel | None = None
    port_of_loading: str | None = Field(default=None, max_length=200)
    port_of_discharge: str | None = Field(default=None, max_length=200)
    transit_countries: list[CountryCode] = Field(default_factory=list)
    extra: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _keep_unknown_fields(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        known = set(cls.model_fields)
        unknown = {k: v for k, v in data.items() if k not in known}
        if not unknown:
            return data
        kept = {k: v for k, v in data.items() if k in known}
        extra = dict(kept.get("extra") or {})
        extra.update(unknown)
        kept["extra"] = extra
        return kept

    @property
    def key(self) -> str:
        return shipment_key(self.source, self.shipment_id)


def shipment_key(source: str, shipment_id: str) -> str:
    return f"{source}:{shipment_id}"
