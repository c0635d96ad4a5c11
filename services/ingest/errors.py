"""Why a record was rejected: field-level errors a sender can act on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class FieldError:
    loc: Loc
    msg: str
    type: str

    @property
    def where(self) -> str:
        """`parties.0.country`, or `(record)` for the record as a whole."""
        return ".".join(str(part) for part in self.loc) or "(record)"

    def as_dict(self) -> dict[str, object]:
        return {"loc": list(self.loc), "msg": self.msg, "type": self.type}


class ShipmentInvalid(ValueError):
    """A record that can never become a valid Shipment; `errors` says where and why."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        if not errors:
            raise ValueError("ShipmentInvalid needs at least one error")
        self.errors = list(errors)
        super().__init__(self.reason)

    @property
    def error_type(self) -> str:
        """The first error's type: a low-cardinality label for metrics and the DLQ header."""
        return self.errors[0].type

    @property
    def reason(self) -> str:
        return "; ".join(f"{error.where}: {error.msg}" for error in self.errors)
