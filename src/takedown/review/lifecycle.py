"""A case's lifecycle: open -> monitoring -> closed; closing pauses its sources and matching."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from takedown.audit import Event, record
from takedown.store.base import utcnow
from takedown.store.tables import Case, Reference, Source

STATUSES = ("open", "monitoring", "closed")


class LifecycleError(ValueError):
    """A change the lifecycle does not allow (say, reopening an erased case)."""


class ReferenceHolder(Protocol):
    """What holds references for matching (takedown.matching.engine.Matcher)."""

    def remove(self, reference_id: int) -> None: ...


@dataclass(frozen=True)
class Closed:
    case_id: int
    reference_ids: tuple[int, ...]  # to take out of the matcher: see release_references
    paused_sources: tuple[int, ...]


def set_status(s: Session, case: Case, status: str, actor: str) -> Closed | None:
    """Move `case` to `status`; closing returns what the caller must take out of matching."""
    if status not in STATUSES:
        raise LifecycleError(f"unknown case status {status!r}; one of {', '.join(STATUSES)}")
    if case.erased_at is not None and status != "closed":
        raise LifecycleError(f"case {case.id} was erased and cannot be reopened")
    before = case.status
    case.status = status
    case.closed_at = utcnow() if status == "closed" else None
    closed = None
    if status == "closed":
        paused = tuple(
            s.execute(
                update(Source)
                .where(Source.case_id == case.id, Source.paused.is_(False))
                .values(paused=True)
                .returning(Source.id)
            ).scalars()
        )
        refs = tuple(s.execute(select(Reference.id).where(Reference.case_id == case.id)).scalars())
        closed = Closed(case.id, refs, paused)
    record(
        s,
        Event(
            "case.status",
            actor,
            "case",
            case.id,
            {"from": before, "to": status, "paused_sources": list(closed.paused_sources)}
            if closed
            else {"from": before, "to": status},
        ),
    )
    return closed


def release_references(matcher: ReferenceHolder, reference_ids: Iterable[int]) -> int:
    """Take a closed or erased case's references out of the in-memory matcher (the pipeline calls
    this after `set_status(..., "closed")` or an erasure commits). Returns how many it removed."""
    count = 0
    for ref in reference_ids:
        matcher.remove(ref)
        count += 1
    return count


def matchable_case_ids(s: Session) -> list[int]:
    """Cases whose references belong in the matcher (every case but closed ones)."""
    return list(s.execute(select(Case.id).where(Case.status != "closed")).scalars())
