"""`POST /v1/shipments`: one shipment object or an array of them, answered per record.

202 when at least one record was accepted, 422 when none was; either way every result says
accepted (with its key) or rejected (with field-level errors), and every rejected record is in
the DLQ. The whole body is refused with 400 (not JSON, not UTF-8), 413 (too large, too many
records) or 422 (neither an object nor an array). The answer comes only after the broker has
acknowledged every record; if it does not, 503 and nothing is promised: send again.
"""

# No `from __future__ import annotations`: FastAPI must see the route's annotations as objects,
# and they name `authenticate`, a local of shipments_router.
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from services.ingest.body import BodyError, parse_body
from services.ingest.ingestor import Accepted, DeliveryFailed, Ingestor, Outcome, Submission
from services.ingest.metrics import INGEST_REQUEST_SECONDS
from shared.http.auth import Caller
from shared.kafka.records import Producer

log = logging.getLogger(__name__)

RETRY_AFTER_S = "5"


@dataclass(frozen=True)
class Limits:
    max_body_bytes: int
    max_batch_records: int


def shipments_router(
    ingestor: Callable[[], Ingestor | None],
    authenticate: Callable[[Request], Caller],
    limits: Limits,
    on_delivery_failed: Callable[[Producer], None] = lambda producer: None,
) -> APIRouter:
    """`ingestor()` is None while no producer is connected (the service starts regardless);
    `on_delivery_failed` hears of a producer whose sends failed, to replace it."""
    router = APIRouter(tags=["ingest"])

    @router.post("/v1/shipments", status_code=202)
    async def post_shipments(
        request: Request,
        caller: Annotated[Caller, Depends(authenticate)],
        source: Annotated[
            str | None, Query(max_length=100, description="source of records that name none")
        ] = None,
    ) -> JSONResponse:
        started = time.monotonic()
        response = await _answer(request, caller, source, ingestor, limits, on_delivery_failed)
        INGEST_REQUEST_SECONDS.labels(str(response.status_code)).observe(time.monotonic() - started)
        return response

    return router


async def _answer(
    request: Request,
    caller: Caller,
    source: str | None,
    ingestor: Callable[[], Ingestor | None],
    limits: Limits,
    on_delivery_failed: Callable[[Producer], None],
) -> JSONResponse:
    current = ingestor()
    if current is None:
        return _unavailable("the broker has not been reached yet")
    try:
        body = await read_body(request, limits.max_body_bytes)
        return await run_in_threadpool(_ingest, body, caller, source, current, limits)
    except BodyError as error:
        return JSONResponse({"detail": error.message}, status_code=error.status)
    except DeliveryFailed as error:
        log.warning("answering 503: %s", error)
        on_delivery_failed(current.producer)
        return _unavailable("the broker did not acknowledge the records; send them again")


def _ingest(
    body: bytes, caller: Caller, source: str | None, ingestor: Ingestor, limits: Limits
) -> JSONResponse:
    parsed = parse_body(body, limits.max_batch_records)
    submissions = [
        Submission(
            element.value,
            element.original,
            (("origin", "http"), ("index", str(index)), ("api_key", caller.key_id)),
        )
        for index, element in enumerate(parsed.elements)
    ]
    outcomes = ingestor.ingest(submissions, source)
    accepted = sum(isinstance(outcome, Accepted) for outcome in outcomes)
    payload = {
        "accepted": accepted,
        "rejected": len(outcomes) - accepted,
        "results": [_result(index, outcome) for index, outcome in enumerate(outcomes)],
    }
    return JSONResponse(payload, status_code=202 if accepted else 422)


def _result(index: int, outcome: Outcome) -> dict[str, Any]:
    if isinstance(outcome, Accepted):
        return {"index": index, "status": "accepted", "key": outcome.key}
    return {
        "index": index,
        "status": "rejected",
        "key": outcome.key,
        "errors": [error.as_dict() for error in outcome.errors],
    }


async def read_body(request: Request, max_bytes: int) -> bytes:
    """The body, refused with 413 as soon as it is known to exceed `max_bytes`: by its declared
    Content-Length before reading, and by what actually arrives (a sender may lie or stream)."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise BodyError(400, "Content-Length is not a number")
        if int(declared) > max_bytes:
            raise BodyError(413, _too_large(max_bytes))
    received = bytearray()
    async for chunk in request.stream():
        received += chunk
        if len(received) > max_bytes:
            raise BodyError(413, _too_large(max_bytes))
    return bytes(received)


def _too_large(max_bytes: int) -> str:
    return f"the body exceeds {max_bytes} bytes; send fewer records per request"


def _unavailable(detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=503, headers={"Retry-After": RETRY_AFTER_S})


def guarded(authenticate: Callable[[Request], Caller]) -> Callable[[Request], Caller]:
    """The auth dependency, with a database outage answered 503 rather than 500."""

    def dependency(request: Request) -> Caller:
        try:
            return authenticate(request)
        except HTTPException:
            raise
        except Exception as error:
            log.warning("cannot verify API keys: %s", error)
            raise HTTPException(
                503, "cannot verify API keys right now", {"Retry-After": RETRY_AFTER_S}
            ) from None

    return dependency
