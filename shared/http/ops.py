"""`/healthz` (alive), `/readyz` (ready to serve), `/metrics` (Prometheus) for every service."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

ReadyCheck = Callable[[], tuple[bool, dict[str, str]]]


def ops_router(ready: ReadyCheck) -> APIRouter:
    router = APIRouter(tags=["ops"])

    @router.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "alive"}

    @router.get("/readyz")
    def readyz(response: Response) -> dict[str, object]:
        ok, details = ready()
        response.status_code = 200 if ok else 503
        return {"ready": ok, "checks": details}

    @router.get("/metrics")
    def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
