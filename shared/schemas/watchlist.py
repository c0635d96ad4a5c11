"""`watchlist.entries.v1`: one listed party; a tombstone (null value) when it is delisted."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from shared.schemas.common import CountryCode, Model, UtcDatetime

EntityKind = Literal["person", "organization", "vessel", "aircraft"]
AliasType = Literal["aka", "fka", "nka"]


class Alias(Model):
    name: str = Field(min_length=1)
    type: AliasType = "aka"
    weak: bool = Field(default=False, description="a 'low quality' a.k.a.; scored with care")


class Identifier(Model):
    type: str = Field(
        min_length=1,
        description="normalised type: tax_id, registration, imo, lei, passport, national_id, ...",
    )
    value: str = Field(min_length=1)
    country: CountryCode | None = None
    label: str | None = Field(default=None, description="the list's own wording of the type")


class Address(Model):
    text: str | None = None
    city: str | None = None
    country: CountryCode | None = None


class WatchlistEntry(Model):
    list_id: str = Field(alias="list", min_length=1, description="list id, e.g. us-ofac-sdn")
    entry_id: str = Field(min_length=1, description="the list's own id, e.g. 47956")
    kind: EntityKind
    name: str = Field(min_length=1)
    aliases: list[Alias] = Field(default_factory=list)
    programs: list[str] = Field(default_factory=list)
    countries: list[CountryCode] = Field(default_factory=list)
    addresses: list[Address] = Field(default_factory=list)
    identifiers: list[Identifier] = Field(default_factory=list)
    birth_dates: list[str] = Field(default_factory=list, description="YYYY, YYYY-MM or YYYY-MM-DD")
    listed_on: date | None = None
    remarks: str | None = None
    list_version: str = Field(min_length=1, description="the load's version id (checksum-based)")
    published_at: UtcDatetime

    @property
    def key(self) -> str:
        return entry_key(self.list_id, self.entry_id)


def entry_key(list_id: str, entry_id: str) -> str:
    return f"{list_id}:{entry_id}"
