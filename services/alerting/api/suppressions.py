"""`/v1/suppressions`: keep a known-good counterparty from alerting against one list entry."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Response

from services.alerting.api.context import ApiContext
from services.alerting.api.models import (
    IdentifierRef,
    SuppressionPage,
    SuppressionRequest,
    SuppressionState,
    SuppressionView,
)
from services.alerting.counterparties import (
    normalise_identifier_type,
    normalise_identifier_value,
    normalise_name,
)
from services.alerting.repository import lists
from services.alerting.repository import suppressions as rows
from services.alerting.repository.transactions import transaction
from shared.db.models import Suppression
from shared.http.auth import Caller

MAX_SUPPRESSION = timedelta(days=180)


def suppressions_router(ctx: ApiContext) -> APIRouter:
    router = APIRouter(prefix="/v1/suppressions", tags=["suppressions"])
    viewer, analyst = Depends(ctx.viewer), Depends(ctx.analyst)

    @router.post("", status_code=201, response_model=SuppressionView)
    def create(body: SuppressionRequest, caller: Caller = analyst) -> SuppressionView:
        """Matches of this counterparty (by name, or by identifier) against this entry are
        recorded, not alerted, until `expires_at` (at most 180 days), until revoked, or until
        the list entry changes."""
        now = ctx.clock()
        if not now < body.expires_at <= now + MAX_SUPPRESSION:
            raise HTTPException(
                422,
                [
                    {
                        "loc": ["body", "expires_at"],
                        "msg": "must be in the future and at most 180 days ahead",
                        "type": "value_error",
                    }
                ],
            )
        ref = (body.list_id, body.entry_id)
        with transaction(ctx.sessions) as session:
            fingerprint = lists.entry_fingerprints(session, [ref]).get(ref)
            suppression = Suppression(
                suppression_id=str(uuid.uuid4()),
                list_id=body.list_id,
                entry_id=body.entry_id,
                name=body.name,
                name_norm=normalise_name(body.name) if body.name else None,
                identifier_type=(
                    normalise_identifier_type(body.identifier.type)
                    if body.identifier and body.identifier.type
                    else None
                ),
                identifier_value=(
                    normalise_identifier_value(body.identifier.value) if body.identifier else None
                ),
                reason=body.reason,
                entry_fingerprint=fingerprint,
                created_by_key=caller.key_id,
                created_by=caller.name,
                created_at=now,
                expires_at=body.expires_at,
                revoked_at=None,
                revoked_by=None,
            )
            rows.add_suppression(session, suppression)
        return _view(suppression, fingerprint, now, hits=0)

    @router.get("", response_model=SuppressionPage, dependencies=[viewer])
    def list_suppressions(
        active: Annotated[bool, Query(description="only those in force now")] = True,
        list_id: Annotated[str | None, Query(alias="list")] = None,
        entry_id: Annotated[str | None, Query()] = None,
    ) -> SuppressionPage:
        now = ctx.clock()
        with ctx.sessions() as session:
            found = rows.list_suppressions(
                session, now=now, include_inactive=not active, list_id=list_id, entry_id=entry_id
            )
            prints = lists.entry_fingerprints(session, {(s.list_id, s.entry_id) for s in found})
            hits = rows.hit_counts(session, [s.suppression_id for s in found])
        views = [
            _view(s, prints.get((s.list_id, s.entry_id)), now, hits.get(s.suppression_id, 0))
            for s in found
        ]
        if active:
            views = [v for v in views if v.state == "active"]
        return SuppressionPage(items=views)

    @router.delete("/{suppression_id}", status_code=204)
    def revoke(suppression_id: str, caller: Caller = analyst) -> Response:
        with transaction(ctx.sessions) as session:
            suppression = rows.get_suppression(session, suppression_id)
            if suppression is None:
                raise HTTPException(404, f"no suppression {suppression_id}")
            if suppression.revoked_at is None:
                suppression.revoked_at = ctx.clock()
                suppression.revoked_by = caller.name
        return Response(status_code=204)

    return router


def _view(s: Suppression, fingerprint_now: str | None, now: datetime, hits: int) -> SuppressionView:
    state: SuppressionState
    if s.revoked_at is not None:
        state = "revoked"
    elif s.expires_at <= now:
        state = "expired"
    elif s.entry_fingerprint != fingerprint_now:
        state = "entry_changed"
    else:
        state = "active"
    identifier = (
        IdentifierRef(type=s.identifier_type, value=s.identifier_value)
        if s.identifier_value is not None
        else None
    )
    return SuppressionView(
        suppression_id=s.suppression_id,
        list_id=s.list_id,
        entry_id=s.entry_id,
        name=s.name,
        identifier=identifier,
        reason=s.reason,
        created_by=s.created_by,
        created_at=s.created_at,
        expires_at=s.expires_at,
        revoked_at=s.revoked_at,
        state=state,
        entry_known=s.entry_fingerprint is not None,
        hits=hits,
    )
