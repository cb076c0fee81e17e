"""Follow-up: re-check reported URLs until the content is gone; remind, then escalate.

The scheduler's jobs find what is due (``pipeline.jobs``); the work runs in the notice lane
(``stages/recheck.py``, ``stages/renotice.py``). A lost re-check costs one interval, not a
notice: the next interval schedules it again.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from takedown.audit import Event, record
from takedown.config import Settings
from takedown.notices.contacts.discover import discover_contacts
from takedown.notices.contacts.model import ContactSet
from takedown.notices.escalation import ChainStep, PolicySettings, StepState, next_in_chain
from takedown.notices.followup import MediaHash, check_removed
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
        family = _family(s, _root(s, n))
        family += [m for m in [n] if m not in family]
        for m in family:
            if m.status != "resolved" and can_transition(m.status, "resolved"):
                m.status, m.resolved_at = "resolved", now
                record(s, Event("notice.resolved", ACTOR, "notice", m.id, {}))


def renotice(db: Database, svc: Services, settings: Settings, notice_id: int) -> int | None:
    """The next step of the re-notice policy for the chain a sent request belongs to
    (:func:`~takedown.notices.escalation.next_in_chain`): a reminder to the site every
    ``renotice_seconds``; after ``renotice_escalate_after`` reminders, one escalation per
    interval to the host, the CDN and the registrar; then the regulator referral. Each is a
    draft an officer approves; a pending draft blocks the next, no step is drafted twice, and a
    "removed" reply or a re-check that found the content gone stops the sequence. Returns the
    id of a new draft that the draft stage must compose (`None` when there is none)."""
    now = utcnow()
    with db.session() as s:
        n = s.get(Notice, notice_id)
        if n is None or n.status != "sent" or n.renotice_step not in (None, "due"):
            return None
        root = _root(s, n)
        family = _family(s, root)
        dets = [d for d in covered(s, root.id) if d.status == "active"]
        removed = not dets or any((m.detail or {}).get("removed_reply") for m in family)
        steps = _chain_steps(root, family)
        decision = next_in_chain(steps, removed=removed, now=now, policy=_policy(settings))
        latest = max((m for m in family if m.sent_at is not None), key=_sent_at)
        if decision.action != "draft" or latest.id != n.id:
            # Only the newest sent request of a chain moves it on; "wait" is woken again.
            n.renotice_step = None if decision.action == "wait" and latest.id == n.id else "chain"
            if decision.action == "stop":
                n.renotice_step = "stopped"
            return None
        page_url = dets[0].page_url
    contacts = contact_cache.lookup(db, svc, page_url, discover_contacts)
    with db.session() as s:
        n = s.get(Notice, notice_id)
        if n is None or n.renotice_step not in (None, "due"):
            return None
        root = _root(s, n)
        family = _family(s, root)
        steps = _chain_steps(root, family)
        skipped = list((root.detail or {}).get("renotice_skipped", []))
        policy = _policy(settings)
        while True:
            decision = next_in_chain(steps, removed=False, now=now, policy=policy)
            if decision.action != "draft" or decision.kind is None or decision.target is None:
                n.renotice_step = "stopped" if decision.action == "stop" else "chain"
                root.detail = {**(root.detail or {}), "renotice_skipped": skipped}
                return None
            kind, target = decision.kind, decision.target
            to = _recipients(kind, target, root, contacts, settings)
            if to is not None:
                break
            # Nobody to write to for this step (no CDN known, say): it counts as taken.
            skipped.append(f"{kind}:{target}")
            steps.append(ChainStep(kind, target, "failed"))
        root.detail = {**(root.detail or {}), "renotice_skipped": skipped}
        n.renotice_step = kind
        child = Notice(
            case_id=n.case_id,
            site=n.site,
            parent_id=n.id,
            status="draft",
            # The draft stage composes it (a referral under Korean law); a referral with no
            # regulator address waits for the officer to add one, never taking the site's.
            draft_state="pending" if to else "idle",
            error=None if to else _NO_REGULATOR,
            kind=kind,
            channel="email",
            to=to,
            escalation_role=_ROLE.get(target),
            detail={"target": target},
        )
        s.add(child)
        s.flush()
        dets = [d for d in covered(s, root.id) if d.status == "active"]
        for d in dets:
            s.execute(insert(notice_detections).values(notice_id=child.id, detection_id=d.id))
        record(
            s,
            Event(
                f"notice.{kind}",
                ACTOR,
                "notice",
                child.id,
                {"parent": n.id, "target": target, "to": to},
            ),
        )
        return child.id if to else None


_NO_REGULATOR = "no regulator address is set (TAKEDOWN_REGULATOR_EMAIL): add one by hand"
_ROLE: dict[str, str] = {"host": "host", "cdn": "host", "registrar": "registrar"}
_TARGET_SOURCES: dict[str, tuple[str, ...]] = {
    "host": ("rdap-network",),
    "cdn": ("cdn",),
    "registrar": ("rdap-registrar", "whois-registrar"),
}
_STATE: dict[str, StepState] = {
    "draft": "draft",
    "approved": "approved",
    "sent": "sent",
    "resolved": "sent",
    "failed": "failed",
    "rejected": "rejected",
}


def _sent_at(m: Notice) -> datetime:
    return m.sent_at or datetime.min.replace(tzinfo=UTC)


def _policy(settings: Settings) -> PolicySettings:
    return PolicySettings(
        renotice_seconds=settings.renotice_seconds,
        escalate_after_reminders=settings.renotice_escalate_after,
        refer_to_regulator=settings.renotice_refer_regulator,
    )


def _root(s: Session, n: Notice) -> Notice:
    """The chain's first request (a new initial request after a bounce starts its own)."""
    root = n
    while root.parent_id is not None and root.kind != "initial":
        parent = s.get(Notice, root.parent_id)
        if parent is None:
            break
        root = parent
    return root


def _family(s: Session, root: Notice) -> list[Notice]:
    """The root and its follow-ups (not a new initial request drafted after a bounce)."""
    out, todo = [root], [root.id]
    while todo:
        children = list(
            s.execute(
                select(Notice).where(Notice.parent_id.in_(todo), Notice.kind != "initial")
            ).scalars()
        )
        out += children
        todo = [c.id for c in children]
    return out


def _chain_steps(root: Notice, family: list[Notice]) -> list[ChainStep]:
    steps = []
    for m in family:
        kind = m.kind if m.kind in ("initial", "reminder", "escalation", "referral") else "initial"
        target = (m.detail or {}).get("target") or ("site" if kind != "referral" else "regulator")
        if kind == "escalation" and target == "site":
            target = {"registrar": "registrar"}.get(m.escalation_role or "", "host")
        steps.append(
            ChainStep(kind, target, _STATE.get(m.status, "failed"), m.sent_at)  # type: ignore[arg-type]
        )
    for item in (root.detail or {}).get("renotice_skipped", []):
        kind, _, target = str(item).partition(":")
        steps.append(ChainStep(kind, target, "failed"))  # type: ignore[arg-type]
    return steps


def _recipients(
    kind: str, target: str, root: Notice, contacts: ContactSet, settings: Settings
) -> list[str] | None:
    if kind == "reminder":
        return list(root.to) or None
    if kind == "referral":
        return [settings.regulator_email] if settings.regulator_email else []
    tried = {a.lower() for a in root.to or []}
    for source in _TARGET_SOURCES.get(target, ()):
        for c in contacts.contacts:
            if c.source == source and c.address.lower() not in tried:
                return [c.address]
    return None
