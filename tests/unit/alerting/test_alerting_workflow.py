"""The alert workflow and the four-eyes rule. Pure."""

from __future__ import annotations

import pytest

from services.alerting.workflow import Actor, TransitionRefused, check_transition

ALICE = Actor("k-alice", "alice")
BOB = Actor("k-bob", "bob")


@pytest.mark.parametrize(
    ("current", "to"),
    [
        ("open", "in_review"),
        ("open", "dismissed"),
        ("in_review", "escalated"),
        ("in_review", "dismissed"),
        ("escalated", "confirmed"),
        ("escalated", "dismissed"),
    ],
)
def test_allowed_moves(current: str, to: str) -> None:
    check_transition(current=current, to=to, actor=BOB, escalated_by=ALICE, comment="checked")


@pytest.mark.parametrize(
    ("current", "to"),
    [
        ("open", "confirmed"),
        ("open", "escalated"),
        ("in_review", "confirmed"),
        ("in_review", "open"),
        ("confirmed", "dismissed"),
        ("dismissed", "open"),
        ("open", "open"),
    ],
)
def test_invalid_moves_are_refused(current: str, to: str) -> None:
    with pytest.raises(TransitionRefused) as refused:
        check_transition(current=current, to=to, actor=BOB, escalated_by=None, comment="x")
    assert refused.value.kind == "invalid_transition"


def test_dismissing_needs_a_comment() -> None:
    for comment in (None, "", "   "):
        with pytest.raises(TransitionRefused) as refused:
            check_transition(
                current="open", to="dismissed", actor=BOB, escalated_by=None, comment=comment
            )
        assert refused.value.kind == "comment_required"


@pytest.mark.parametrize("to", ["confirmed", "dismissed"])
def test_the_analyst_who_escalated_cannot_close_the_alert(to: str) -> None:
    for same in (ALICE, Actor("k-alice-2", "Alice ")):
        with pytest.raises(TransitionRefused) as refused:
            check_transition(
                current="escalated", to=to, actor=same, escalated_by=ALICE, comment="sure"
            )
        assert refused.value.kind == "four_eyes"
    check_transition(current="escalated", to=to, actor=BOB, escalated_by=ALICE, comment="agreed")
