"""The life of a notice as a pure transition table that the store and the API enforce.

draft → approved → sent | failed → resolved; draft → rejected; failed → approved (a retry).
Only a draft can be edited; only ``approve`` leads towards sending.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping


class NoticeStatus(enum.StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    SENT = "sent"
    FAILED = "failed"
    RESOLVED = "resolved"
    REJECTED = "rejected"


S = NoticeStatus

TRANSITIONS: Mapping[NoticeStatus, frozenset[NoticeStatus]] = {
    S.DRAFT: frozenset({S.APPROVED, S.REJECTED}),
    # Approved is the moment between the officer's click and the mail server's answer; a notice
    # whose content is removed meanwhile still resolves.
    S.APPROVED: frozenset({S.SENT, S.FAILED, S.RESOLVED}),
    S.SENT: frozenset({S.RESOLVED}),
    S.FAILED: frozenset({S.APPROVED, S.REJECTED, S.RESOLVED}),
    S.RESOLVED: frozenset(),
    S.REJECTED: frozenset(),
}

EDITABLE: frozenset[NoticeStatus] = frozenset({S.DRAFT})
TERMINAL: frozenset[NoticeStatus] = frozenset(
    s for s, targets in TRANSITIONS.items() if not targets
)


class InvalidTransition(ValueError):  # noqa: N818 - reads as the error it is
    def __init__(self, current: NoticeStatus, target: NoticeStatus) -> None:
        super().__init__(f"a notice cannot go from {current.value} to {target.value}")
        self.current = current
        self.target = target


def can_transition(current: NoticeStatus | str, target: NoticeStatus | str) -> bool:
    return NoticeStatus(target) in TRANSITIONS[NoticeStatus(current)]


def transition(current: NoticeStatus | str, target: NoticeStatus | str) -> NoticeStatus:
    """The new status, or :class:`InvalidTransition`."""
    cur, new = NoticeStatus(current), NoticeStatus(target)
    if new not in TRANSITIONS[cur]:
        raise InvalidTransition(cur, new)
    return new


def is_editable(status: NoticeStatus | str) -> bool:
    return NoticeStatus(status) in EDITABLE
