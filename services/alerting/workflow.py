"""The alert workflow: which status may follow which, and who may make the move. Pure.

    open ──▶ in_review ──▶ escalated ──▶ confirmed
      │          │             │
      └──────────┴─────────────┴──────▶ dismissed

Confirming needs an escalation first, and closing an escalated alert (confirmed or dismissed) needs
a second analyst: the key that escalated may not close it (four eyes). Dismissing needs a comment.
confirmed and dismissed are final.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from shared.schemas.alert import AlertStatus

ALLOWED: dict[str, frozenset[str]] = {
    "open": frozenset({"in_review", "dismissed"}),
    "in_review": frozenset({"escalated", "dismissed"}),
    "escalated": frozenset({"confirmed", "dismissed"}),
    "confirmed": frozenset(),
    "dismissed": frozenset(),
}
OPEN_STATUSES: tuple[AlertStatus, ...] = ("open", "in_review", "escalated")

RefusalKind = Literal["invalid_transition", "four_eyes", "comment_required"]


@dataclass(frozen=True)
class Actor:
    key_id: str
    name: str


class TransitionRefused(Exception):
    def __init__(self, kind: RefusalKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def check_transition(
    *,
    current: str,
    to: str,
    actor: Actor,
    escalated_by: Actor | None,
    comment: str | None,
) -> None:
    """Raise TransitionRefused unless `actor` may move an alert from `current` to `to`."""
    if to not in ALLOWED.get(current, frozenset()):
        allowed = ", ".join(sorted(ALLOWED.get(current, ()))) or "none: the alert is closed"
        raise TransitionRefused(
            "invalid_transition", f"cannot go from {current} to {to} (allowed: {allowed})"
        )
    if to == "dismissed" and not (comment and comment.strip()):
        raise TransitionRefused("comment_required", "dismissing an alert needs a comment")
    if current == "escalated" and escalated_by is not None and _same_person(actor, escalated_by):
        raise TransitionRefused(
            "four_eyes",
            f"{actor.name!r} escalated this alert; a second analyst must {_verb(to)} it",
        )


def _same_person(a: Actor, b: Actor) -> bool:
    # A second key under the same name is the same analyst: names are how people are recorded.
    return a.key_id == b.key_id or a.name.strip().casefold() == b.name.strip().casefold()


def _verb(to: str) -> str:
    return "confirm" if to == "confirmed" else "dismiss"
