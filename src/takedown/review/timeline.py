"""A notice's status timeline: its audit events, its reminders, follow-up checks and removals."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.store.tables import AuditEvent, Detection, Followup, Notice, notice_detections


@dataclass(frozen=True)
class Step:
    at: datetime
    kind: str  # audit | reminder | followup | removed
    label: str  # an audit action ("notice.approve"), "reminder", "check", "removed"
    actor: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


def notice_timeline(session: Session, notice_id: int) -> list[Step]:
    """Everything that happened to a notice and its reminders, oldest first."""
    reminders = list(
        session.execute(
            select(Notice).where(Notice.parent_id == notice_id).order_by(Notice.created_at)
        ).scalars()
    )
    ids = [notice_id, *(r.id for r in reminders)]
    steps: list[Step] = []
    for ev in session.execute(
        select(AuditEvent)
        .where(AuditEvent.object_type == "notice", AuditEvent.object_id.in_([str(i) for i in ids]))
        .order_by(AuditEvent.id)
    ).scalars():
        detail = dict(ev.data)
        if ev.object_id != str(notice_id):
            detail["notice"] = ev.object_id
        steps.append(Step(ev.at, "audit", ev.action, ev.actor, detail))
    for r in reminders:
        steps.append(
            Step(r.created_at, "reminder", r.kind, "", {"notice": r.id, "status": r.status})
        )
    for f in session.execute(
        select(Followup).where(Followup.notice_id.in_(ids)).order_by(Followup.checked_at)
    ).scalars():
        steps.append(
            Step(
                f.checked_at,
                "followup",
                "removed" if f.removed else "still-online",
                "",
                {"http_status": f.http_status, "reason": f.reason, "detection": f.detection_id},
            )
        )
    for d in session.execute(
        select(Detection)
        .join(notice_detections, notice_detections.c.detection_id == Detection.id)
        .where(notice_detections.c.notice_id == notice_id, Detection.removed_at.is_not(None))
    ).scalars():
        assert d.removed_at is not None  # filtered above
        steps.append(Step(d.removed_at, "removed", "removed", "", {"url": d.page_url}))
    steps.sort(key=lambda s: s.at)
    return steps
