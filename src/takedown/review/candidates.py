"""Detections an officer must decide on before any request: proactive findings (no case yet) and
same-person candidates. Confirming opens the usual path (evidence, then a draft); dismissing
keeps the row, and the decision, for the record."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.accounts.roles import Principal, allows
from takedown.audit import Event, record
from takedown.pipeline.routing import route_hits
from takedown.pipeline.runtime import Runtime
from takedown.review.queue import DetectionView, detection_views
from takedown.store.base import utcnow
from takedown.store.tables import Case, Detection, Page


class CandidateError(ValueError):
    """Not a candidate (any more), or the action does not fit; the message says why."""


def candidates(session: Session, limit: int = 200) -> list[DetectionView]:
    rows = session.execute(
        select(Detection)
        .where(Detection.review == "candidate", Detection.status == "active")
        .order_by(Detection.priority.desc(), Detection.first_seen_at)
        .limit(limit)
    ).scalars()
    return detection_views(session, rows)


def _candidate(s: Session, detection_id: int, who: Principal) -> Detection:
    if not allows(who.role, "officer"):
        raise PermissionError("this needs the officer role")
    det = s.get(Detection, detection_id)
    if det is None:
        raise LookupError(f"detection {detection_id} not found")
    if det.review != "candidate":
        raise CandidateError(f"detection {detection_id} is not waiting for a decision")
    return det


def confirm(rt: Runtime, detection_id: int, who: Principal) -> Detection:
    """Accept the candidate; a proactive one gets a case of its own. Then evidence and a draft."""
    work: list[tuple[str, int]] = []
    with rt.db.session() as s:
        det = _candidate(s, detection_id, who)
        if det.case_id is None:
            case = Case(
                name=f"PROACTIVE-{det.id:06d}",
                keywords=[],
                notes=f"opened by {who.actor} from proactive detection {det.id}",
            )
            s.add(case)
            s.flush()
            det.case_id = case.id
            record(s, Event("case.create", who.actor, "case", case.id, {"from_detection": det.id}))
        det.review = "confirmed"
        record(s, Event("detection.confirm", who.actor, "detection", det.id, {"case": det.case_id}))
        page = s.get(Page, det.page_id)
        if page is not None:
            # Captured already: the draft; otherwise the capture, now, even if one is pending
            # (a pending one waited behind routine work, and an officer is waiting now).
            work += [(stage, item) for stage, item, _prio in route_hits(s, page, [det])]
    for stage, item in work:
        rt.submit(stage, item, 500.0)  # an officer is waiting: ahead of routine work
    return _load(rt, detection_id)


def dismiss(rt: Runtime, detection_id: int, who: Principal, reason: str = "") -> Detection:
    with rt.db.session() as s:
        det = _candidate(s, detection_id, who)
        det.review = "dismissed"
        det.detail = {
            **(det.detail or {}),
            "dismissed_at": utcnow().isoformat(),
            "dismissed_by": who.actor,
            "reason": reason[:500],
        }
        record(
            s, Event("detection.dismiss", who.actor, "detection", det.id, {"reason": reason[:500]})
        )
    return _load(rt, detection_id)


def _load(rt: Runtime, detection_id: int) -> Detection:
    with rt.db.session() as s:
        det = s.get(Detection, detection_id)
        if det is None:
            raise LookupError(f"detection {detection_id} not found")
        return det
