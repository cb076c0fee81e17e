"""Bulk work with one confirmation: approve drafts that all pass, dismiss candidates with one
reason, pause sources. Each item goes through the single-item service, so its checks apply."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.accounts.roles import Principal
from takedown.audit import Event, record
from takedown.pipeline.runtime import Runtime
from takedown.review import candidates
from takedown.review import notices as workflow
from takedown.review.notices import WorkflowError
from takedown.review.sources import change_source
from takedown.store.tables import Case, Detection, Notice, Source
from takedown.store.tables.notices import notice_detections

MAX_BULK = 500
Precheck = Callable[[Session, Notice], list[str]]


class BulkRefusedError(Exception):
    """Nothing was done: at least one item would fail. `problems` maps item id to reasons."""

    def __init__(self, problems: dict[int, list[str]]) -> None:
        self.problems = problems
        listed = "; ".join(f"#{i}: {', '.join(r)}" for i, r in sorted(problems.items()))
        super().__init__(f"refused, nothing was done: {listed}")


def basic_problems(s: Session, n: Notice) -> list[str]:
    """What the single approval would refuse, checked without sending: a draft, a recipient, a
    subject and a body, at least one detection, and not the case's label in the text."""
    out = []
    if n.status != "draft":
        out.append(f"not a draft ({n.status})")
    if not n.to:
        out.append("no recipient")
    if not n.subject.strip():
        out.append("no subject")
    if not n.body.strip():
        out.append("no body")
    linked = s.execute(
        select(notice_detections.c.detection_id).where(notice_detections.c.notice_id == n.id)
    ).first()
    if linked is None:
        out.append("no detection")
    case = s.get(Case, n.case_id) if n.case_id is not None else None
    if case is not None and case.name and case.name in f"{n.subject}\n{n.body}":
        out.append("contains the case label")
    return out


def _ids(ids: Sequence[int]) -> list[int]:
    unique = list(dict.fromkeys(ids))
    if not unique or len(unique) > MAX_BULK:
        raise ValueError(f"give between 1 and {MAX_BULK} ids")
    return unique


def approve_all(
    rt: Runtime, ids: Sequence[int], who: Principal, precheck: Precheck = basic_problems
) -> list[int]:
    """Approve (and so send) every notice of `ids`, or none if any fails a check."""
    wanted = _ids(ids)
    problems: dict[int, list[str]] = {}
    with rt.db.session() as s:
        found = {n.id: n for n in s.execute(select(Notice).where(Notice.id.in_(wanted))).scalars()}
        for nid in wanted:
            n = found.get(nid)
            reasons = (
                ["not found"]
                if n is None
                else list(
                    dict.fromkeys([*precheck(s, n), *workflow.approval_problems(rt.settings, s, n)])
                )
            )
            if reasons:
                problems[nid] = reasons
    if problems:
        raise BulkRefusedError(problems)
    done: list[int] = []
    for nid in wanted:
        try:
            workflow.approve(rt, nid, who)
        except WorkflowError as exc:  # changed since the check: stop, report what went out
            raise WorkflowError(f"approved {done}, then #{nid} was refused: {exc}") from exc
        done.append(nid)
    with rt.db.session() as s:
        record(s, Event("notice.bulk_approve", who.actor, "notice", "-", {"ids": done}))
    return done


def dismiss_all(rt: Runtime, ids: Sequence[int], who: Principal, reason: str) -> list[int]:
    """Dismiss candidates with one reason; refuses all if any is not a candidate."""
    wanted = _ids(ids)
    if not reason.strip():
        raise ValueError("a bulk dismissal needs a reason")
    with rt.db.session() as s:
        rows = {
            d.id: d for d in s.execute(select(Detection).where(Detection.id.in_(wanted))).scalars()
        }
        problems = {
            i: ["not found" if i not in rows else f"not a candidate ({rows[i].review})"]
            for i in wanted
            if i not in rows or rows[i].review != "candidate"
        }
    if problems:
        raise BulkRefusedError(problems)
    for i in wanted:
        candidates.dismiss(rt, i, who, reason)
    return wanted


def pause_all(s: Session, ids: Sequence[int], actor: str, paused: bool = True) -> list[int]:
    wanted = _ids(ids)
    rows = {x.id: x for x in s.execute(select(Source).where(Source.id.in_(wanted))).scalars()}
    missing = {i: ["not found"] for i in wanted if i not in rows or rows[i].deleted}
    if missing:
        raise BulkRefusedError(missing)
    for i in wanted:
        change_source(s, rows[i], {"paused": paused}, actor)
    return wanted
