"""Follow-up: re-check reported URLs until the content is gone; remind, then escalate.

The scheduler's jobs find what is due (``pipeline.jobs``); the work runs in the notice lane
(``stages/recheck.py``, ``stages/renotice.py``). A lost re-check costs one interval, not a
notice: the next interval schedules it again.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from takedown.audit import Event, record
from takedown.config import Settings
from takedown.notices.contacts.discover import discover_contacts
from takedown.notices.followup import MediaHash, check_removed, next_step
from takedown.notices.states import can_transition
from takedown.pipeline import contacts as contact_cache
from takedown.pipeline.detections import first_pdq
from takedown.pipeline.services import Services
from takedown.store.base import utcnow
from takedown.store.db import Database
from takedown.store.tables import Detection, Followup, Media, Notice, notice_detections

log = logging.getLogger(__name__)
ACTOR = "system:followup"
OPEN = ("sent", "failed", "approved")


def covered(s: Session, notice_id: int) -> list[Detection]:
    return list(
        s.execute(
            select(Detection)
            .join(notice_detections, notice_detections.c.detection_id == Detection.id)
            .where(notice_detections.c.notice_id == notice_id)
            .order_by(Detection.id)
        ).scalars()
    )


def recheck(db: Database, svc: Services, notice_id: int) -> None:
    with db.session() as s:
        dets = [d for d in covered(s, notice_id) if d.status == "active"]
        by_page: dict[str, list[Detection]] = defaultdict(list)
        hashes: dict[str, MediaHash] = {}
        for d in dets:
            by_page[d.page_url].append(d)
            if d.media_id and d.media_url:
                m = s.get(Media, d.media_id)
                if m is not None and m.sha256:
                    hashes[d.media_url] = MediaHash(m.sha256, first_pdq(m.hashes or {}))
        work = {url: [d.id for d in ds] for url, ds in by_page.items()}
        media = {
            url: sorted({d.media_url for d in ds if d.media_url}) for url, ds in by_page.items()
        }
    fetcher = svc.fetcher
    for page_url, det_ids in work.items():
        result = svc.run(check_removed(fetcher, page_url, media[page_url], hashes), timeout=300)
        now = utcnow()
        with db.session() as s:
            for det_id in det_ids:
                s.add(
                    Followup(
                        notice_id=notice_id,
                        detection_id=det_id,
                        checked_at=now,
                        http_status=result.status,
                        removed=result.removed,
                        reason=result.reason[:2000],
                    )
                )
                det = s.get(Detection, det_id)
                if result.removed and det is not None and det.status == "active":
                    det.status, det.removed_at = "removed", now
                    record(
                        s,
                        Event(
                            "detection.removed",
                            ACTOR,
                            "detection",
                            det_id,
                            {"reason": result.reason, "status": result.status},
                        ),
                    )
    resolve(db, notice_id)


def resolve(db: Database, notice_id: int) -> None:
    """Notices whose every detection is removed become resolved (with their reminders)."""
    with db.session() as s:
        n = s.get(Notice, notice_id)
        if n is None:
            return
        dets = covered(s, notice_id)
        if not dets or any(d.status == "active" for d in dets):
            return
        now = utcnow()
        family = [n, *s.execute(select(Notice).where(Notice.parent_id == n.id)).scalars()]
        if n.parent_id is not None:
            parent = s.get(Notice, n.parent_id)
            family += [parent] if parent is not None else []
        for m in family:
            if m.status != "resolved" and can_transition(m.status, "resolved"):
                m.status, m.resolved_at = "resolved", now
                record(s, Event("notice.resolved", ACTOR, "notice", m.id, {}))


def renotice(db: Database, svc: Services, settings: Settings, notice_id: int) -> int | None:
    """The next follow-up step of a sent request unanswered past the re-notice interval: a
    reminder draft, then escalation drafts; an officer approves each, as always. Returns the
    new draft's id, if one was made."""
    now = utcnow()
    after = timedelta(seconds=settings.renotice_seconds)
    with db.session() as s:
        n = s.get(Notice, notice_id)
        if n is None or n.status != "sent" or n.renotice_step not in (None, "due"):
            return None
        dets = [d for d in covered(s, notice_id) if d.status == "active"]
        if not dets:
            n.renotice_step = "none"
            return None
        chain = _chain(s, n)
        page_url = dets[0].page_url
    contacts = contact_cache.lookup(db, svc, page_url, discover_contacts)
    with db.session() as s:
        n = s.get(Notice, notice_id)
        if n is None or n.renotice_step not in (None, "due"):
            return None
        reminders = sum(1 for c in chain if c.kind == "reminder")
        tried = [a for c in chain for a in (c.to or [])]
        step = next_step(
            last_sent_at=n.sent_at or now,
            now=now,
            renotice_after=after,
            reminders_sent=reminders,
            contacts=contacts,
            tried=tried,
        )
        n.renotice_step = step.action
        if step.action not in ("remind", "escalate"):
            return None
        child = Notice(
            case_id=n.case_id,
            site=n.site,
            parent_id=n.id,
            status="draft",
            draft_state="pending",
            kind="reminder" if step.action == "remind" else "escalation",
            to=list(n.to)
            if step.action == "remind"
            else ([step.contact.address] if step.contact else []),
            escalation_role=step.role or None,
        )
        s.add(child)
        s.flush()
        for d in dets:
            s.execute(insert(notice_detections).values(notice_id=child.id, detection_id=d.id))
        record(s, Event(f"notice.{child.kind}", ACTOR, "notice", child.id, {"parent": n.id}))
        return child.id


def _chain(s: Session, n: Notice) -> list[Notice]:
    out = [n]
    while out[-1].parent_id is not None:
        p = s.get(Notice, out[-1].parent_id)
        if p is None:
            break
        out.append(p)
    return out
