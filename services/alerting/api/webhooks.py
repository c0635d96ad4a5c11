"""`/v1/webhooks` (admin): subscriptions and the state of their deliveries."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Response

from services.alerting.api.context import ApiContext
from services.alerting.api.models import (
    DeliveryPage,
    DeliveryState,
    DeliveryView,
    WebhookPage,
    WebhookRequest,
    WebhookView,
)
from services.alerting.repository import webhooks as rows
from services.alerting.repository.transactions import transaction
from shared.db.models import Webhook, WebhookDelivery
from shared.http.auth import Caller


def webhooks_router(ctx: ApiContext) -> APIRouter:
    router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
    admin = Depends(ctx.admin)

    @router.post("", status_code=201, response_model=WebhookView)
    def create(body: WebhookRequest, caller: Caller = admin) -> WebhookView:
        """Events from now on are delivered to `url`, signed with `secret` (docs/alerting.md)."""
        webhook = Webhook(
            webhook_id=str(uuid.uuid4()),
            url=body.url,
            events=sorted(set(body.events)),
            secret=body.secret,
            description=body.description,
            active=True,
            created_by=caller.name,
            created_at=ctx.clock(),
        )
        with transaction(ctx.sessions) as session:
            rows.add_webhook(session, webhook)
        return _view(webhook, {})

    @router.get("", response_model=WebhookPage, dependencies=[admin])
    def list_webhooks() -> WebhookPage:
        with ctx.sessions() as session:
            hooks = rows.list_webhooks(session)
            counts = rows.delivery_counts(session)
        return WebhookPage(items=[_view(h, counts.get(h.webhook_id, {})) for h in hooks])

    @router.get("/{webhook_id}", response_model=WebhookView, dependencies=[admin])
    def get_webhook(webhook_id: str) -> WebhookView:
        with ctx.sessions() as session:
            hook = rows.get_webhook(session, webhook_id)
            if hook is None:
                raise HTTPException(404, f"no webhook {webhook_id}")
            counts = rows.delivery_counts(session)
        return _view(hook, counts.get(webhook_id, {}))

    @router.delete("/{webhook_id}", status_code=204, dependencies=[admin])
    def delete(webhook_id: str) -> Response:
        """Stop delivering: the webhook is deactivated, its pending deliveries fail."""
        with transaction(ctx.sessions) as session:
            hook = rows.get_webhook(session, webhook_id)
            if hook is None:
                raise HTTPException(404, f"no webhook {webhook_id}")
            rows.deactivate_webhook(session, hook, ctx.clock())
        return Response(status_code=204)

    @router.get("/{webhook_id}/deliveries", response_model=DeliveryPage, dependencies=[admin])
    def deliveries(
        webhook_id: str,
        state: Annotated[DeliveryState | None, Query()] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> DeliveryPage:
        """Newest first: pending (with the next attempt's time), delivered or failed."""
        with ctx.sessions() as session:
            if rows.get_webhook(session, webhook_id) is None:
                raise HTTPException(404, f"no webhook {webhook_id}")
            found = rows.deliveries(session, webhook_id, state, limit)
        return DeliveryPage(items=[_delivery(d) for d in found])

    return router


def _view(hook: Webhook, counts: dict[str, int]) -> WebhookView:
    return WebhookView(
        webhook_id=hook.webhook_id,
        url=hook.url,
        events=list(hook.events),
        description=hook.description,
        active=hook.active,
        created_by=hook.created_by,
        created_at=hook.created_at,
        deliveries=counts,
    )


def _delivery(d: WebhookDelivery) -> DeliveryView:
    return DeliveryView(
        delivery_id=d.delivery_id,
        event_id=d.event_id,
        alert_id=d.alert_id,
        event_type=d.event_type,
        state=d.state,
        attempts=d.attempts,
        next_attempt_at=d.next_attempt_at if d.state == "pending" else None,
        last_attempt_at=d.last_attempt_at,
        last_status_code=d.last_status_code,
        last_error=d.last_error,
        delivered_at=d.delivered_at,
        created_at=d.created_at,
    )
