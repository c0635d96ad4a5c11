"""Which CSV column holds which shipment field: the mapping file and the built-in default.

A mapping is YAML (or JSON, which YAML reads too); docs/ingest.md describes it. The default
fits flat customs exports whose columns are named after the fields: `shipment_id`,
`declared_at`, `shipper_name`, `shipper_country`, `shipper_tax_id`, `consignee_name`, ...,
`hs_code`, `goods_description`, `quantity`.
"""

from __future__ import annotations

from typing import Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from shared.schemas.shipment import Role

ShipmentField = Literal[
    "shipment_id",
    "source",
    "declared_at",
    "direction",
    "origin_country",
    "destination_country",
    "transit_countries",
    "port_of_loading",
    "port_of_discharge",
]
ROLES: tuple[str, ...] = get_args(Role)
DEFAULT_IDENTIFIERS = ("tax_id", "registration", "lei", "imo")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PartyColumns(_Strict):
    name: str
    address: str | None = None
    country: str | None = None
    identifiers: dict[str, str] = Field(
        default_factory=dict, description="identifier name (tax_id, registration, ...) -> column"
    )


class GoodsColumns(_Strict):
    hs_code: str | None = None
    description: str | None = None
    quantity: str | None = None
    unit: str | None = None
    value: str | None = None
    currency: str | None = None


class VesselColumns(_Strict):
    name: str | None = None
    imo: str | None = None


class ColumnMapping(_Strict):
    """Columns per field. Declaration-level fields must agree across the rows of a declaration;
    each row may add a goods line and parties."""

    shipment: dict[ShipmentField, str]
    parties: dict[Role, PartyColumns] = Field(default_factory=dict)
    goods: GoodsColumns = Field(default_factory=GoodsColumns)
    vessel: VesselColumns = Field(default_factory=VesselColumns)
    unmapped: Literal["extra", "drop"] = Field(
        default="extra", description="columns the mapping does not name: kept under extra or not"
    )
    delimiter: str | None = Field(
        default=None, min_length=1, max_length=1, description="None: guessed from the header"
    )

    @model_validator(mode="after")
    def _needs_shipment_id(self) -> ColumnMapping:
        if "shipment_id" not in self.shipment:
            raise ValueError("the mapping must name the column of shipment_id under `shipment`")
        return self

    def columns(self) -> set[str]:
        """Every column the mapping names."""
        named: set[str | None] = set(self.shipment.values())
        for party in self.parties.values():
            named |= {party.name, party.address, party.country, *party.identifiers.values()}
        named |= set(self.goods.model_dump().values()) | set(self.vessel.model_dump().values())
        return {column for column in named if column}


class MappingError(ValueError):
    """A mapping file that cannot be used; the message says what to fix."""


def load_mapping(text: str) -> ColumnMapping:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise MappingError(f"the mapping is not valid YAML or JSON: {error}") from None
    try:
        return ColumnMapping.model_validate(data)
    except ValidationError as invalid:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(mapping)'}: {e['msg']}"
            for e in invalid.errors(include_url=False)
        )
        raise MappingError(f"the mapping is invalid: {problems}") from None


def default_mapping() -> ColumnMapping:
    """Columns named after the fields; `<role>_name`, `<role>_country`, `<role>_tax_id`, ..."""
    return ColumnMapping(
        shipment={field: field for field in get_args(ShipmentField)},
        parties={
            role: PartyColumns(
                name=f"{role}_name",
                address=f"{role}_address",
                country=f"{role}_country",
                identifiers={ident: f"{role}_{ident}" for ident in DEFAULT_IDENTIFIERS},
            )
            for role in ROLES
        },
        goods=GoodsColumns(
            hs_code="hs_code",
            description="goods_description",
            quantity="quantity",
            unit="unit",
            value="value",
            currency="currency",
        ),
        vessel=VesselColumns(name="vessel_name", imo="vessel_imo"),
    )
