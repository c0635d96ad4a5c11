"""The alerting REST API: alerts, suppressions, shipments, lists, webhooks (OpenAPI at /docs)."""

from __future__ import annotations

from fastapi import FastAPI

from services.alerting.api.alerts import alerts_router
from services.alerting.api.context import ApiContext
from services.alerting.api.lists import lists_router
from services.alerting.api.shipments import shipments_router
from services.alerting.api.suppressions import suppressions_router
from services.alerting.api.webhooks import webhooks_router

__all__ = ["ApiContext", "build_api"]


def build_api(ctx: ApiContext) -> FastAPI:
    app = FastAPI(
        title="Tradewatch alerting",
        version="1",
        description=(
            "Alerts raised by screening shipments against sanctions lists, and the analyst "
            "workflow. Send an API key in the X-API-Key header (roles: viewer reads; analyst "
            "also transitions and suppresses; admin also manages webhooks)."
        ),
    )
    for router in (
        alerts_router(ctx),
        suppressions_router(ctx),
        shipments_router(ctx),
        lists_router(ctx),
        webhooks_router(ctx),
    ):
        app.include_router(router)
    return app
