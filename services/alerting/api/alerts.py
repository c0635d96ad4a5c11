"""`/v1/alerts`: list, read, move through the workflow, history."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query

from services.alerting.actions import AlertNotFound, transition_alert
from services.alerting.api.context import ApiContext, actor
from services.alerting.api.models import (
    AlertDetail,
    AlertPage,
    HistoryItem,
    HistoryPage,
    TransitionRequest,
)
from services.alerting.api.views import alert_detail, alert_item, decode_cursor, encode_cursor
from services.alerting.repository import alerts as alert_rows
from services.alerting.repository import lists, shipments
from services.alerting.repository.transactions import transaction
from services.alerting.workflow import TransitionRefused
from shared.http.auth import Caller
from shared.schemas.alert import AlertStatus, Severity

MAX_PAGE = 500
_REFUSAL_STATUS = {"invalid_transition": 409, "four_eyes": 403, "comment_required": 422}


def alerts_router(ctx: ApiContext) -> APIRouter:
    router = APIRouter(prefix="/v1/alerts", tags=["alerts"])
    viewer, analyst = Depends(ctx.viewer), Depends(ctx.analyst)

    @router.get("", response_model=AlertPage, dependencies=[viewer])
    def list_alerts(
        status: Annotated[list[AlertStatus] | None, Query()] = None,
        source: Annotated[list[str] | None, Query()] = None,
        list_id: Annotated[list[str] | None, Query(alias="list")] = None,
        severity: Annotated[list[Severity] | None, Query()] = None,
        since: Annotated[datetime | None, Query(description="raised at or after")] = None,
        cursor: Annotated[str | None, Query()] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    ) -> AlertPage:
        """Newest first. Repeat a filter for several values: `?status=open&status=in_review`."""
        after = None
        if cursor is not None:
            try:
                after = decode_cursor(cursor)
            except ValueError as error:
                raise HTTPException(
                    422, [{"loc": ["query", "cursor"], "msg": str(error), "type": "value_error"}]
                ) from error
        if since is not None and since.tzinfo is None:
            raise HTTPException(
                422,
                [{"loc": ["query", "since"], "msg": "needs a time zone", "type": "value_error"}],
            )
        where = alert_rows.AlertFilter(
            statuses=status or (),
            sources=source or (),
            lists=list_id or (),
            severities=severity or (),
            since=since,
        )
        with ctx.sessions() as session:
            page = alert_rows.list_alerts(session, where, limit, after)
            items = [alert_item(a) for a in page.items]
        next_cursor = encode_cursor(page.next_after) if page.next_after else None
        return AlertPage(items=items, next_cursor=next_cursor)

    @router.get("/{alert_id}", response_model=AlertDetail, dependencies=[viewer])
    def get_alert(alert_id: str) -> AlertDetail:
        """The alert with its evidence: party, list entry, matched names, explanation, shipment."""
        with ctx.sessions() as session:
            alert = alert_rows.get_alert(session, alert_id)
            if alert is None:
                raise HTTPException(404, f"no alert {alert_id}")
            shipment = shipments.get_by_key(session, alert.shipment_key)
            ref = (alert.list_id, alert.entry_id)
            entry = lists.entries(session, [ref]).get(ref)
            return alert_detail(alert, shipment, entry)

    @router.post("/{alert_id}/transitions", response_model=AlertDetail)
    def transition(alert_id: str, body: TransitionRequest, caller: Caller = analyst) -> AlertDetail:
        """open -> in_review | dismissed; in_review -> escalated | dismissed; escalated ->
        confirmed | dismissed by a second analyst. Dismissing needs a comment."""
        try:
            with transaction(ctx.sessions) as session:
                transition_alert(
                    session,
                    alert_id,
                    to=body.to,
                    actor=actor(caller),
                    comment=body.comment,
                    now=ctx.clock(),
                )
        except AlertNotFound as error:
            raise HTTPException(404, f"no alert {alert_id}") from error
        except TransitionRefused as refused:
            detail: object = refused.message
            if refused.kind == "comment_required":
                detail = [{"loc": ["body", "comment"], "msg": refused.message, "type": "missing"}]
            raise HTTPException(_REFUSAL_STATUS[refused.kind], detail) from refused
        ctx.on_change()
        return get_alert(alert_id)

    @router.get("/{alert_id}/history", response_model=HistoryPage, dependencies=[viewer])
    def history(alert_id: str) -> HistoryPage:
        """Who did what, when: raised, updated, transition, delisted; oldest first."""
        with ctx.sessions() as session:
            if alert_rows.get_alert(session, alert_id) is None:
                raise HTTPException(404, f"no alert {alert_id}")
            rows = alert_rows.history(session, alert_id)
            items = [
                HistoryItem(
                    at=r.at,
                    actor=r.actor,
                    actor_key_id=r.actor_key_id,
                    action=r.action,
                    from_status=r.from_status,
                    to_status=r.to_status,
                    comment=r.comment,
                    details=r.details,
                )
                for r in rows
            ]
        return HistoryPage(items=items)

    return router
