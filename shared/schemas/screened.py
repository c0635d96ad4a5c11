"""`shipments.screened.v1`: a shipment with its screening result."""

from __future__ import annotations

from pydantic import Field

from shared.schemas.common import Model, UtcDatetime
from shared.schemas.shipment import Shipment


class Match(Model):
    list_id: str = Field(alias="list", description="list id, e.g. us-ofac-sdn")
    entry_id: str
    entry_name: str
    matched_name: str = Field(description="the list name or alias that scored best")
    score: float = Field(ge=0.0, le=1.0)
    programs: list[str] = Field(default_factory=list)
    explanation: str
    identifier_match: bool = Field(default=False, description="an identifier agreed exactly")


class PartyScreening(Model):
    party_index: int = Field(ge=0, description="position of the party in `parties`")
    role: str
    name: str
    matches: list[Match] = Field(default_factory=list, description="best first")


VESSEL_PARTY_INDEX = -1
"""The vessel's `party_index` where it stands beside the parties: in an alert's matches and in
alerting's `shipment_parties` (which rescreening reads). No party has it."""


class VesselScreening(Model):
    """The shipment's vessel screened against the lists' vessels (name and IMO number)."""

    name: str | None = Field(default=None, description="the vessel's name as on the shipment")
    imo: str | None = Field(default=None, description="the vessel's IMO number as on the shipment")
    matches: list[Match] = Field(default_factory=list, description="best first")


class RiskFlag(Model):
    code: str = Field(description="e.g. chpl_goods, sanctioned_destination, transshipment_route")
    severity: str = Field(default="medium", description="low, medium, high")
    reason: str = Field(description="why it fired, for an analyst")


class Screening(Model):
    screened_at: UtcDatetime
    parties: list[PartyScreening] = Field(default_factory=list)
    vessel: VesselScreening | None = Field(
        default=None,
        # Left out of the JSON when absent: a shipment without a vessel (most records) is
        # written exactly as before the field existed.
        exclude_if=lambda value: value is None,
        description="the vessel screened, when the shipment names one (by name or IMO number); "
        "absent otherwise",
    )
    risk_flags: list[RiskFlag] = Field(default_factory=list)
    list_versions: dict[str, str] = Field(
        default_factory=dict, description="list id -> version screened against"
    )
    rescreen: bool = Field(default=False, description="produced by a rescreen after a list change")


class ScreenedShipment(Model):
    shipment: Shipment
    screening: Screening
    ingested_at: UtcDatetime | None = Field(
        default=None, description="when ingest accepted it; for time-to-alert"
    )
