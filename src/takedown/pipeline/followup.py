"""Follow-up: re-check reported URLs until the content is gone; remind, then escalate.

Both are scheduler jobs plus one Huey task. A lost re-check task costs one interval, not a
notice: the next interval schedules it again.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from takedown.audit import Event, record
from takedown.notices.contacts.discover import discover_contacts
from takedown.notices.followup import MediaHash, check_removed, next_step
from takedown.notices.states import can_transition
from takedown.pipeline import contacts as contact_cache
from takedown.pipeline import services
from takedown.pipeline.detections import first_pdq
from takedown.store.base import utcnow
from takedown.store.tables import Detection, Followup, Media, Notice, notice_detections

if TYPE_CHECKING:
    from takedown.pipeline.runtime import Runtime

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


def wake_rechecks(rt: Runtime) -> list[int]:
    """Scheduler job: sent notices whose next check has come are checked again."""
    now = utcnow()
    every = timedelta(seconds=rt.settings.recheck_seconds)
    with rt.db.session() as s:
        fresh = s.execute(
            select(Notice).where(Notice.status == "sent", Notice.next_check_at.is_(None))
        ).scalars()
        for n in fresh:
            n.next_check_at = (n.sent_at or now) + every
        due = list(
            s.execute(
                select(Notice.id, Notice.next_check_at).where(
                    Notice.status == "sent", Notice.next_check_at <= now
                )
            ).all()
        )
        woken = []
        for nid, at in due:
            res = s.execute(
                update(Notice)
                .where(Notice.id == nid, Notice.next_check_at == at)
                .values(next_check_at=now + every)
            )
            if res.rowcount:  # type: ignore[attr-defined]
                woken.append(nid)
    for nid in woken:
        rt.enqueue("recheck", nid)
    return woken


def recheck(rt: Runtime, notice_id: int) -> None:
    with rt.db.session() as s:
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
    fetcher = services.fetcher(rt)
    for page_url, det_ids in work.items():
        result = services.runner(rt).run(
            check_removed(fetcher, page_url, media[page_url], hashes), timeout=300
        )
        now = utcnow()
        with rt.db.session() as s:
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
    resolve(rt, notice_id)


def resolve(rt: Runtime, notice_id: int) -> None:
    """Notices whose every detection is removed become resolved (with their reminders)."""
    with rt.db.session() as s:
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


def renotice(rt: Runtime) -> list[int]:
    """Scheduler job: a sent notice unanswered after the renotice interval gets a reminder draft,
    then escalation drafts; an officer approves each, as always."""
    now = utcnow()
    after = timedelta(seconds=rt.settings.renotice_seconds)
    made: list[int] = []
    with rt.db.session() as s:
        due = list(
            s.execute(
                select(Notice).where(Notice.status == "sent", Notice.sent_at <= now - after)
            ).scalars()
        )
        candidates = [
            (n.id, n.case_id, n.site) for n in due if not (n.detail or {}).get("renoticed")
        ]
    for nid, _case, _site in candidates:
        with rt.db.session() as s:
            n = s.get(Notice, nid)
            if n is None or n.status != "sent" or (n.detail or {}).get("renoticed"):
                continue
            dets = [d for d in covered(s, nid) if d.status == "active"]
            if not dets:
                continue
            chain = _chain(s, n)
            page_url = dets[0].page_url
        contacts = contact_cache.lookup(rt, page_url, discover_contacts)
        with rt.db.session() as s:
            n = s.get(Notice, nid)
            if n is None or (n.detail or {}).get("renoticed"):
                continue
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
            n.detail = {**(n.detail or {}), "renoticed": step.action}
            if step.action not in ("remind", "escalate"):
                continue
            child = Notice(
                case_id=n.case_id,
                site=n.site,
                parent_id=n.id,
                status="draft",
                state="pending",
                kind="reminder" if step.action == "remind" else "escalation",
                to=list(n.to)
                if step.action == "remind"
                else ([step.contact.address] if step.contact else []),
                detail={"escalation_role": step.role} if step.role else {},
            )
            s.add(child)
            s.flush()
            for d in dets:
                s.execute(insert(notice_detections).values(notice_id=child.id, detection_id=d.id))
            record(s, Event(f"notice.{child.kind}", ACTOR, "notice", child.id, {"parent": n.id}))
            made.append(child.id)
    for cid in made:
        rt.enqueue("draft", cid)
    return made


def _chain(s: Session, n: Notice) -> list[Notice]:
    out = [n]
    while out[-1].parent_id is not None:
        p = s.get(Notice, out[-1].parent_id)
        if p is None:
            break
        out.append(p)
    return out
