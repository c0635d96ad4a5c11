"""Every table model; importing this registers them all on `Base.metadata`."""

from shared.db.models.alerts import (
    Alert,
    AlertHistory,
    AlertOutbox,
    Suppression,
    SuppressionHit,
    Webhook,
    WebhookDelivery,
)
from shared.db.models.api_keys import ApiKey
from shared.db.models.shipments import Counterparty, ShipmentParty, StoredShipment
from shared.db.models.watchlists import ListChange, ListEntry, ListVersion

__all__ = [
    "Alert",
    "AlertHistory",
    "AlertOutbox",
    "ApiKey",
    "Counterparty",
    "ListChange",
    "ListEntry",
    "ListVersion",
    "ShipmentParty",
    "StoredShipment",
    "Suppression",
    "SuppressionHit",
    "Webhook",
    "WebhookDelivery",
]
