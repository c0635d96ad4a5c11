"""Request and response bodies of the REST API (the OpenAPI schema is generated from these)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.schemas import AlertEvent
from shared.schemas.alert import AlertStatus


class AlertItem(AlertEvent):
    """An alert as listed: every field of its latest `alerts.v1` event, and a few more."""

    list_id: str = Field(alias="list", description="the list of the matched entry")
    entry_id: str
    entry_name: str
    score: float = Field(description="best score among the matched parties")
    updated_at: datetime
    status_changed_at: datetime
    delisted_at: datetime | None = None


class EntryEvidence(BaseModel):
    model_config = ConfigDict(serialize_by_alias=True, validate_by_name=True)

    list_id: str = Field(alias="list")
    entry_id: str
    name: str
    programs: list[str]
    identifiers: list[dict[str, Any]] = Field(default_factory=list)
    aliases: list[dict[str, Any]] = Field(default_factory=list)
    countries: list[str] = Field(default_factory=list)
    listed_on: str | None = None
    remarks: str | None = None
    loaded: bool = Field(description="False: the entry is not in the loaded lists (any more)")


class Evidence(BaseModel):
    parties: list[dict[str, Any]] = Field(
        description="the matched parties as on the document; a matched vessel is one with "
        "party_index -1 and role vessel (name, imo)"
    )
    entry: EntryEvidence
    matched_names: list[str]
    explanations: list[str]
    risk_flags: list[dict[str, Any]]
    shipment: dict[str, Any]
    screened_at: str | None
    list_versions: dict[str, str]


class AlertDetail(AlertItem):
    evidence: Evidence
    escalated_by: str | None = None


class AlertPage(BaseModel):
    items: list[AlertItem]
    next_cursor: str | None = Field(
        description="pass as `cursor` for the next page; null at the end"
    )


class TransitionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: AlertStatus
    comment: str | None = Field(default=None, max_length=5000)


class HistoryItem(BaseModel):
    at: datetime
    actor: str
    actor_key_id: str | None
    action: str
    from_status: str | None
    to_status: str | None
    comment: str | None
    details: dict[str, Any]


class HistoryPage(BaseModel):
    items: list[HistoryItem]


class IdentifierRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str | None = Field(default=None, max_length=50, description="e.g. tax_id; any if absent")
    value: str = Field(min_length=1, max_length=200)


class SuppressionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", serialize_by_alias=True, validate_by_name=True)

    list_id: str = Field(alias="list", min_length=1, max_length=100)
    entry_id: str = Field(min_length=1, max_length=200)
    name: str | None = Field(default=None, min_length=1, max_length=1000)
    identifier: IdentifierRef | None = None
    reason: str = Field(min_length=1, max_length=5000)
    expires_at: datetime = Field(description="at most 180 days ahead")

    @model_validator(mode="after")
    def _name_or_identifier(self) -> SuppressionRequest:
        if (self.name is None) == (self.identifier is None):
            raise ValueError("give exactly one of `name` and `identifier`")
        if self.expires_at.tzinfo is None:
            raise ValueError("expires_at needs a time zone")
        return self


SuppressionState = Literal["active", "expired", "revoked", "entry_changed"]


class SuppressionView(BaseModel):
    model_config = ConfigDict(serialize_by_alias=True, validate_by_name=True)

    suppression_id: str
    list_id: str = Field(alias="list")
    entry_id: str
    name: str | None
    identifier: IdentifierRef | None
    reason: str
    created_by: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    state: SuppressionState
    entry_known: bool = Field(description="the entry was in the loaded lists when suppressed")
    hits: int = Field(description="matches this suppression kept from alerting")


class SuppressionPage(BaseModel):
    items: list[SuppressionView]


class PartyView(BaseModel):
    party_index: int = Field(
        description="the party's position in the shipment's `parties`; -1 for the vessel (role "
        "vessel, its IMO number as identifier), stored like a party so that a rescreen finds it"
    )
    role: str
    name: str
    country: str | None
    identifiers: dict[str, str]
    counterparty_id: str


class ShipmentView(BaseModel):
    shipment_key: str
    source: str
    shipment_id: str
    declared_at: datetime | None
    shipment: dict[str, Any]
    screening: dict[str, Any]
    list_versions: dict[str, str]
    ingested_at: datetime | None
    first_seen_at: datetime
    last_screened_at: datetime
    parties: list[PartyView]
    alerts: list[AlertItem]


class ListView(BaseModel):
    model_config = ConfigDict(serialize_by_alias=True, validate_by_name=True)

    list_id: str = Field(alias="list")
    version: str
    seq: int
    loaded_at: datetime
    published_at: datetime | None
    age_seconds: float = Field(description="since this version was loaded: freshness")
    entry_count: int
    added_count: int
    changed_count: int
    removed_count: int
    problem_count: int
    versions_loaded: int


class ListPage(BaseModel):
    items: list[ListView]


WebhookEvent = Literal["raised", "updated"]


def _all_events() -> list[WebhookEvent]:
    return ["raised", "updated"]


class WebhookRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=8, max_length=2000, pattern=r"^https?://[^\s]+$")
    events: list[WebhookEvent] = Field(default_factory=_all_events, min_length=1)
    secret: str = Field(
        min_length=16, max_length=500, description="signs deliveries; not shown again"
    )
    description: str | None = Field(default=None, max_length=1000)


class WebhookView(BaseModel):
    webhook_id: str
    url: str
    events: list[str]
    description: str | None
    active: bool
    created_by: str
    created_at: datetime
    deliveries: dict[str, int] = Field(default_factory=dict, description="count by state")


class WebhookPage(BaseModel):
    items: list[WebhookView]


DeliveryState = Literal["pending", "delivered", "failed"]


class DeliveryView(BaseModel):
    delivery_id: str
    event_id: str
    alert_id: str
    event_type: str
    state: DeliveryState
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime


class DeliveryPage(BaseModel):
    items: list[DeliveryView]
