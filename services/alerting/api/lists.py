"""`/v1/lists`: the loaded lists, their current versions and how fresh they are."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from services.alerting.api.context import ApiContext
from services.alerting.api.models import ListPage, ListView
from services.alerting.repository import lists


def lists_router(ctx: ApiContext) -> APIRouter:
    router = APIRouter(prefix="/v1/lists", tags=["lists"])

    @router.get("", response_model=ListPage, dependencies=[Depends(ctx.viewer)])
    def loaded_lists() -> ListPage:
        now = ctx.clock()
        with ctx.sessions() as session:
            loaded = lists.loaded_lists(session)
        return ListPage(
            items=[
                ListView(
                    list_id=item.list_id,
                    version=item.version,
                    seq=item.seq,
                    loaded_at=item.loaded_at,
                    published_at=item.published_at,
                    age_seconds=max(0.0, (now - item.loaded_at).total_seconds()),
                    entry_count=item.entry_count,
                    added_count=item.added_count,
                    changed_count=item.changed_count,
                    removed_count=item.removed_count,
                    problem_count=item.problem_count,
                    versions_loaded=item.versions_loaded,
                )
                for item in loaded
            ]
        )

    return router
