"""`/v1/shipments/{source}/{id}`: a screened shipment as stored, its parties and its alerts."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException

from services.alerting.api.context import ApiContext
from services.alerting.api.models import PartyView, ShipmentView
from services.alerting.api.views import alert_item
from services.alerting.repository import alerts as alert_rows
from services.alerting.repository import shipments


def shipments_router(ctx: ApiContext) -> APIRouter:
    router = APIRouter(prefix="/v1/shipments", tags=["shipments"])

    @router.get(
        "/{source}/{shipment_id:path}",
        response_model=ShipmentView,
        dependencies=[Depends(ctx.viewer)],
    )
    def get_shipment(source: str, shipment_id: str) -> ShipmentView:
        key = f"{source}:{shipment_id}"
        with ctx.sessions() as session:
            stored = shipments.get_by_key(session, key)
            if stored is None:
                raise HTTPException(404, f"no shipment {key}")
            parties = shipments.parties_of(session, key)
            page = alert_rows.list_alerts(
                session, alert_rows.AlertFilter(shipment_key=key), limit=1000
            )
            return ShipmentView(
                shipment_key=key,
                source=stored.source,
                shipment_id=stored.shipment_id,
                declared_at=stored.declared_at,
                shipment=stored.shipment,
                screening=stored.screening,
                list_versions=stored.list_versions,
                ingested_at=stored.ingested_at,
                first_seen_at=stored.first_seen_at,
                last_screened_at=stored.last_screened_at,
                parties=[
                    PartyView(
                        party_index=p.party_index,
                        role=p.role,
                        name=p.name,
                        country=p.country,
                        identifiers=p.identifiers,
                        counterparty_id=p.counterparty_id,
                    )
                    for p in parties
                ],
                alerts=[alert_item(a) for a in page.items],
            )

    return router
