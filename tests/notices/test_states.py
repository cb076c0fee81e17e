"""The notice state table."""

from __future__ import annotations

import pytest

from takedown.notices.states import (
    TERMINAL,
    InvalidTransition,
    NoticeStatus,
    can_transition,
    is_editable,
    transition,
)


def test_the_documented_path() -> None:
    status = NoticeStatus.DRAFT
    for target in ("approved", "failed", "approved", "sent", "resolved"):
        status = transition(status, target)
    assert status is NoticeStatus.RESOLVED


@pytest.mark.parametrize(
    ("current", "target"),
    [
        ("draft", "sent"),  # nothing is sent without approval
        ("draft", "resolved"),
        ("sent", "approved"),  # a sent notice is never sent again
        ("sent", "draft"),
        ("rejected", "approved"),
        ("resolved", "sent"),
    ],
)
def test_forbidden(current: str, target: str) -> None:
    assert not can_transition(current, target)
    with pytest.raises(InvalidTransition):
        transition(current, target)


def test_only_drafts_are_editable_and_terminal_states() -> None:
    assert is_editable("draft")
    assert not any(is_editable(s) for s in NoticeStatus if s is not NoticeStatus.DRAFT)
    assert {NoticeStatus.RESOLVED, NoticeStatus.REJECTED} == TERMINAL
