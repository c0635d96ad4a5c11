"""The topic contract: one pydantic model per topic value, a registry, examples."""

from shared.schemas.alert import AlertEvent, AlertMatch, alert_id
from shared.schemas.screened import (
    Match,
    PartyScreening,
    RiskFlag,
    ScreenedShipment,
    Screening,
    VesselScreening,
)
from shared.schemas.shipment import Goods, Party, Shipment, Vessel, shipment_key
from shared.schemas.watchlist import Address, Alias, Identifier, WatchlistEntry, entry_key

__all__ = [
    "Address",
    "AlertEvent",
    "AlertMatch",
    "Alias",
    "Goods",
    "Identifier",
    "Match",
    "Party",
    "PartyScreening",
    "RiskFlag",
    "ScreenedShipment",
    "Screening",
    "Shipment",
    "Vessel",
    "VesselScreening",
    "WatchlistEntry",
    "alert_id",
    "entry_key",
    "shipment_key",
]
