"""Ingest: shipments from HTTP and files -> validated, normalised `shipments.ingested.v1`."""

from services.ingest.errors import FieldError, ShipmentInvalid
from services.ingest.ingestor import Accepted, Ingestor, Rejected, Submission
from services.ingest.prepare import prepare

__all__ = [
    "Accepted",
    "FieldError",
    "Ingestor",
    "Rejected",
    "ShipmentInvalid",
    "Submission",
    "prepare",
]
