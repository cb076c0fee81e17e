"""Draft stage: one deletion request per site and case, to the right contact, in the site's language."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from takedown.audit import Event, record
from takedown.config import Settings
from takedown.notices.catalog import choose_language
from takedown.notices.compose import (
    Center,
    DraftNotice,
    NoticeRequest,
    ReportedFile,
    ReportedPage,
    compose_escalation,
    compose_notice,
    compose_reminder,
)
from takedown.notices.contacts.discover import discover_contacts
from takedown.notices.contacts.model import Contact as FoundContact
from takedown.notices.contacts.model import ContactSet
from takedown.notices.law import jurisdiction_for
from takedown.pipeline import contacts as contact_cache
from takedown.pipeline.context import StageContext
from takedown.pipeline.detections import first_pdq
from takedown.pipeline.graph import Work
from takedown.store.base import utcnow
from takedown.store.tables import Detection, Evidence, Media, Notice, Page, notice_detections

if TYPE_CHECKING:
    from takedown.pipeline.runtime import Runtime

log = logging.getLogger(__name__)
ACTOR = "system:drafting"


def request_draft(s: Session, case_id: int, site: str) -> Notice | None:
    """Make sure a draft for (case, site) will be (re)composed; returns it when it needs a task."""
    notice = s.execute(
        select(Notice).where(
            Notice.case_id == case_id,
            Notice.site == site,
            Notice.status == "draft",
            Notice.kind == "initial",
        )
    ).scalar_one_or_none()
    if notice is None:
        notice = Notice(case_id=case_id, site=site, status="draft", draft_state="pending")
        s.add(notice)
        s.flush()
        record(s, Event("notice.create", ACTOR, "notice", notice.id, {"site": site}))
        return notice
    if notice.draft_state == "idle":
        notice.draft_state = "pending"
        notice.draft_changed_at = utcnow()
        return notice
    return None


def _claim_detections(s: Session, notice: Notice) -> list[Detection]:
    """The case's active detections on this site that no live notice covers yet, plus its own."""
    covered = (
        select(notice_detections.c.detection_id)
        .join(Notice, Notice.id == notice_detections.c.notice_id)
        .where(Notice.status.not_in(["rejected"]), Notice.id != notice.id)
    )
    mine = select(notice_detections.c.detection_id).where(
        notice_detections.c.notice_id == notice.id
    )
    rows = list(
        s.execute(
            select(Detection)
            .where(
                Detection.case_id == notice.case_id,
                Detection.site == notice.site,
                Detection.status == "active",
                Detection.review.in_(("none", "confirmed")),  # candidates wait for an officer
                Detection.id.not_in(covered),
                # Only what has its evidence: a detection whose capture is still to come joins
                # the draft when that capture is done (never reported as preserved before).
                Detection.evidence_id.in_(
                    select(Evidence.id).where(Evidence.state.in_(("captured", "failed")))
                )
                | Detection.page_id.in_(select(Evidence.page_id).where(Evidence.state == "failed")),
            )
            .order_by(Detection.id)
        ).scalars()
    )
    already = set(s.execute(mine).scalars())
    for det in rows:
        if det.id not in already:
            s.execute(insert(notice_detections).values(notice_id=notice.id, detection_id=det.id))
    return rows


def reported_pages(s: Session, detections: list[Detection]) -> tuple[ReportedPage, ...]:
    pages: dict[int, tuple[str, str, list[ReportedFile]]] = {}
    for det in detections:
        page = s.get(Page, det.page_id)
        if page is None:
            continue
        ev_ref = "pending"
        if det.evidence_id is not None:
            ev = s.get(Evidence, det.evidence_id)
            ev_ref = ev.key if ev is not None else ev_ref
        url, ref, files = pages.setdefault(page.id, (page.url, ev_ref, []))
        if ref == "pending" and ev_ref != "pending":
            pages[page.id] = (url, ev_ref, files)
        media = s.get(Media, det.media_id) if det.media_id else None
        if media is not None and media.sha256 and all(f.url != media.url for f in files):
            pdq = first_pdq(media.hashes or {})
            files.append(ReportedFile(url=media.url, sha256=media.sha256, pdq=pdq))
    return tuple(ReportedPage(url=u, evidence_ref=r, files=tuple(f)) for u, r, f in pages.values())


def build_request(
    settings: Settings,
    s: Session,
    notice: Notice,
    detections: list[Detection],
    contacts: ContactSet,
    language: str | None = None,
) -> NoticeRequest:
    pages = reported_pages(s, detections)
    first_page = s.get(Page, detections[0].page_id) if detections else None
    host = urlsplit(pages[0].url).hostname or notice.site if pages else notice.site
    jurisdiction = jurisdiction_for(
        host,
        registrar_country=contacts.registrar_country,
        override=settings.jurisdiction_override,
    )
    primary = contacts.primary
    lang = language or choose_language(
        first_page.language if first_page else None, primary.languages if primary else ()
    )
    return NoticeRequest(
        site=notice.site,
        case_ref=f"CASE-{notice.case_id:06d}",
        pages=pages,
        center=Center.from_settings(settings),
        jurisdiction=jurisdiction,
        language=lang,
        now=utcnow(),
        recipient=primary,
        signer=settings.center_name,
    )


def apply(
    notice: Notice,
    draft: DraftNotice,
    contacts: ContactSet,
    recipients: list[FoundContact] | None = None,
) -> None:
    chosen = (
        recipients if recipients is not None else ([contacts.primary] if contacts.primary else [])
    )
    notice.to = [c.address for c in chosen]
    notice.recipients = [
        {"address": c.address, "source": c.source, "source_url": c.found_at, "note": c.note}
        for c in contacts.contacts
    ]
    notice.subject = draft.subject
    notice.body = draft.body
    notice.language = draft.language
    notice.legal_basis = draft.legal_basis
    notice.jurisdiction = draft.jurisdiction


class DraftStage:
    """Compose the request of a case for a site: contact, language, legal basis, template."""

    name: ClassVar[str] = "draft"
    lane: ClassVar[str] = "notice"
    successors: ClassVar[tuple[str, ...]] = ()
    work: ClassVar[Work | None] = Work(
        Notice,
        ready="pending",
        working="drafting",
        done="idle",
        state="draft_state",
        changed="draft_changed_at",
        attempts="draft_attempts",
    )

    def __init__(self, ctx: StageContext) -> None:
        self.ctx = ctx

    @classmethod
    def concurrency(cls, settings: Settings) -> int:
        return settings.notice_workers

    def run(self, notice_id: int) -> None:
        draft(self.ctx, notice_id)


def _idle(notice: Notice, error: str | None) -> None:
    notice.draft_state = "idle"
    notice.error = error
    notice.draft_changed_at = utcnow()


def draft(ctx: StageContext, notice_id: int) -> None:
    with ctx.db.session() as s:
        notice = s.get(Notice, notice_id)
        if notice is None or notice.status != "draft":
            return
        dets = _claim_detections(s, notice) if notice.kind == "initial" else _covered(s, notice)
        if not dets:
            _nothing_to_report(s, notice)
            return
        page_url = dets[0].page_url
        if notice.edited_by_officer and notice.drafted_at is not None:
            # The officer's text stands; the new detections are listed, and a re-render adds them.
            notice.priority = max(notice.priority, *(d.priority for d in dets))
            _idle(notice, "new detections arrived after your edit: re-render to include them")
            return
    contacts = contact_cache.lookup(ctx.db, ctx.services, page_url, discover_contacts)
    with ctx.db.session() as s:
        notice = s.get(Notice, notice_id)
        if notice is None or notice.status != "draft":
            return
        dets = _covered(s, notice)
        if not dets:
            _nothing_to_report(s, notice)
            return
        req = build_request(ctx.settings, s, notice, dets, contacts)
        composed = _compose(s, notice, req)
        preset = list(notice.to or [])
        apply(notice, composed, contacts, _escalation_recipients(notice, contacts))
        if notice.kind != "initial" and preset:
            # A reminder goes to the same people; an escalation to the one chosen.
            notice.to = preset
        notice.priority = max(d.priority for d in dets)
        notice.drafted_at = notice.drafted_at or utcnow()
        _idle(notice, None if notice.to else "no abuse contact found: add a recipient by hand")
        record(
            s,
            Event(
                "notice.draft",
                ACTOR,
                "notice",
                notice.id,
                {"language": notice.language, "to": notice.to, "detections": [d.id for d in dets]},
            ),
        )


def _nothing_to_report(s: Session, notice: Notice) -> None:
    if notice.kind == "initial" and notice.drafted_at is None:
        s.delete(notice)  # nothing (yet) to report: no empty draft in the queue
        return
    _idle(notice, "no active detection left to report")


def _covered(s: Session, notice: Notice) -> list[Detection]:
    return list(
        s.execute(
            select(Detection)
            .join(notice_detections, notice_detections.c.detection_id == Detection.id)
            .where(notice_detections.c.notice_id == notice.id)
            .order_by(Detection.id)
        ).scalars()
    )


def _root(s: Session, notice: Notice) -> Notice:
    root = notice
    while root.parent_id is not None:
        parent = s.get(Notice, root.parent_id)
        if parent is None:
            break
        root = parent
    return root


def _compose(s: Session, notice: Notice, req: NoticeRequest) -> DraftNotice:
    if notice.kind == "initial":
        return compose_notice(req)
    root = _root(s, notice)
    first_sent = root.sent_at or root.created_at
    if notice.kind == "reminder":
        return compose_reminder(
            req, first_sent_at=first_sent, first_message_id=root.message_id or ""
        )
    role: Any = notice.escalation_role or "registrar"
    return compose_escalation(
        req, role=role, first_sent_at=first_sent, first_message_id=root.message_id
    )


def _escalation_recipients(notice: Notice, contacts: ContactSet) -> list[FoundContact] | None:
    if notice.kind != "escalation":
        return None
    for source in ("rdap-network", "rdap-registrar"):
        found = list(contacts.by_source(source))
        if found and found[0].address not in (notice.to or []):
            return found[:1]
    return None


def contacts_for(rt: Runtime, notice_id: int) -> ContactSet:
    """The contacts of a notice's site (its own session: call it with no session open)."""
    with rt.db.session() as s:
        notice = s.get(Notice, notice_id)
        dets = _covered(s, notice) if notice is not None else []
        if not dets:
            raise ValueError("the notice covers no detection")
        page_url = dets[0].page_url
    return contact_cache.lookup(rt.db, rt.services, page_url, discover_contacts)


def rerender(rt: Runtime, s: Session, notice: Notice, language: str, contacts: ContactSet) -> None:
    """Compose the draft again in `language` (the officer's language switch)."""
    dets = _covered(s, notice)
    if not dets:
        raise ValueError("the notice covers no detection")
    req = build_request(rt.settings, s, notice, dets, contacts, language=language)
    draft = _compose(s, notice, req)
    to = list(notice.to)
    apply(notice, draft, contacts)
    notice.to = to  # the officer's choice of recipients survives a language switch
