"""Draft stage: one deletion request per site and case, to the right contact, in the site's language."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from sqlalchemy import func, insert, select, update
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
    compose_referral,
    compose_reminder,
)
from takedown.notices.contacts.discover import discover_contacts
from takedown.notices.contacts.model import Contact as FoundContact
from takedown.notices.contacts.model import ContactSet
from takedown.notices.law import (
    JURISDICTIONS,
    LegalCategory,
    jurisdiction_for,
    site_country,
    site_timezone,
)
from takedown.notices.minor import hotline_for, possible_minor
from takedown.pipeline import contacts as contact_cache
from takedown.pipeline.context import StageContext
from takedown.pipeline.detections import first_pdq
from takedown.pipeline.graph import Work
from takedown.store.base import utcnow
from takedown.store.tables import Detection, Evidence, Media, Notice, Page, notice_detections
from takedown.store.tables.notices import Followup

if TYPE_CHECKING:
    from takedown.pipeline.runtime import Runtime

log = logging.getLogger(__name__)
ACTOR = "system:drafting"


def request_draft(s: Session, case_id: int, site: str) -> Notice | None:
    """Make sure a draft for (case, site) will be (re)composed; returns it when it needs a task.

    A draft being composed right now is flagged to go again when it is done (it may have
    claimed its detections before this one's evidence arrived); every step is a conditional
    UPDATE, so no interleaving with the running draft loses the request.
    """
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
    if _pend(s, notice.id):
        return notice
    flagged = s.execute(
        update(Notice)
        .where(Notice.id == notice.id, Notice.draft_state == "drafting")
        .values(draft_again=True)
    )
    if flagged.rowcount:  # type: ignore[attr-defined]
        return None  # the running draft goes again when it is done
    return notice if _pend(s, notice.id) else None  # it finished meanwhile, or one is pending


def _pend(s: Session, notice_id: int) -> bool:
    moved = s.execute(
        update(Notice)
        .where(Notice.id == notice_id, Notice.draft_state == "idle")
        .values(draft_state="pending", draft_changed_at=utcnow())
    )
    return bool(moved.rowcount)  # type: ignore[attr-defined]


def draft_again(s: Session, notice_id: int) -> bool:
    """After a draft: True (and the notice pending again) when it was asked for meanwhile."""
    moved = s.execute(
        update(Notice)
        .where(
            Notice.id == notice_id,
            Notice.draft_again.is_(True),
            Notice.draft_state == "idle",
            Notice.status == "draft",
        )
        .values(draft_state="pending", draft_again=False, draft_changed_at=utcnow())
    )
    return bool(moved.rowcount)  # type: ignore[attr-defined]


def request_referral(s: Session, root: Notice, kcsc_address: str = "") -> Notice:
    """The hook for the escalation policy (``notices.escalation``'s ``referral`` step): a draft
    referral to the Korea Communications Standards Commission covering the root request's
    detections, for an officer to approve. Drafted by this stage like any other notice."""
    referral = Notice(
        case_id=root.case_id,
        site=root.site,
        kind="referral",
        parent_id=root.id,
        status="draft",
        draft_state="pending",
        to=[kcsc_address] if kcsc_address else [],
        language="ko",
    )
    s.add(referral)
    s.flush()
    for det_id in s.execute(
        select(notice_detections.c.detection_id).where(notice_detections.c.notice_id == root.id)
    ).scalars():
        s.execute(insert(notice_detections).values(notice_id=referral.id, detection_id=det_id))
    record(s, Event("notice.create", ACTOR, "notice", referral.id, {"kind": "referral"}))
    return referral


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
    """The pages to report, each with its evidence's own key and capture time; a page whose
    capture failed says so, with the time its content was first seen (never "preserved")."""
    pages: dict[int, dict[str, Any]] = {}
    for det in detections:
        page = s.get(Page, det.page_id)
        if page is None:
            continue
        entry = pages.setdefault(
            page.id,
            {"url": page.url, "ref": None, "at": None, "seen": det.first_seen_at, "files": []},
        )
        entry["seen"] = min(entry["seen"], det.first_seen_at)
        ev = s.get(Evidence, det.evidence_id) if det.evidence_id is not None else None
        if (
            ev is not None
            and ev.state == "captured"
            and ev.captured_at is not None
            and entry["ref"] is None
        ):
            entry["ref"], entry["at"] = ev.key, ev.captured_at
        media = s.get(Media, det.media_id) if det.media_id else None
        files: list[ReportedFile] = entry["files"]
        if media is not None and media.sha256 and all(f.url != media.url for f in files):
            pdq = first_pdq(media.hashes or {})
            files.append(ReportedFile(url=media.url, sha256=media.sha256, pdq=pdq))
    return tuple(
        ReportedPage(
            url=e["url"],
            evidence_ref=e["ref"],
            captured_at=e["at"],
            files=tuple(e["files"]),
            seen_at=e["seen"],
        )
        for e in pages.values()
    )


def category_of(notice: Notice) -> LegalCategory:
    """The officer's choice; a confirmed minor always takes the exploitation-material route."""
    detail = notice.detail or {}
    if detail.get("minor") == "confirmed":
        return LegalCategory.CSEM
    try:
        category = LegalCategory(detail.get("category", LegalCategory.NCII.value))
    except ValueError:
        category = LegalCategory.NCII
    return LegalCategory.NCII if category is LegalCategory.CSEM else category


def build_request(
    settings: Settings,
    s: Session,
    notice: Notice,
    detections: list[Detection],
    contacts: ContactSet,
    language: str | None = None,
    recipient: FoundContact | None = None,
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
    if notice.kind == "referral":  # to the Korean regulator, in Korean, under Korean law
        jurisdiction, lang = JURISDICTIONS["kr"], language or "ko"
    reference = printed_reference(s, notice)
    if not reference:
        raise ValueError("the notice has no reference")
    return NoticeRequest(
        site=notice.site,
        reference=reference,
        pages=pages,
        center=Center.from_settings(settings),
        jurisdiction=jurisdiction,
        language=lang,
        now=utcnow(),
        category=category_of(notice),
        recipient=recipient or _recipient_of(notice, contacts),
        site_timezone=site_timezone(host, jurisdiction, contacts.registrar_country),
        country=site_country(host, contacts.registrar_country),
    )


def _recipient_of(notice: Notice, contacts: ContactSet) -> FoundContact | None:
    """Whom the body names: the address the notice goes to (the officer's choice stands)."""
    to = list(notice.to or [])
    if not to:
        return contacts.primary
    for contact in contacts.contacts:
        if contact.address == to[0]:
            return contact
    return FoundContact(to[0], "manual", "review")


def _minor_flag(s: Session, notice: Notice, detections: list[Detection]) -> None:
    """Challenge 25: a possible minor waits for an officer's decision (never decided here)."""
    detail = dict(notice.detail or {})
    if detail.get("minor") in ("confirmed", "dismissed"):
        return
    media_ids = [d.media_id for d in detections if d.media_id]
    reports = [
        m.triage or {}
        for m in (
            s.execute(select(Media).where(Media.id.in_(media_ids))).scalars() if media_ids else ()
        )
    ]
    if possible_minor(reports):
        detail["minor"] = "possible"
        notice.detail = detail


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
    detail = dict(notice.detail or {})
    detail["elements"] = {k: list(v) for k, v in draft.elements.items()}
    detail["deadline"] = draft.deadline.isoformat() if draft.deadline else None
    if detail.get("minor") == "confirmed":
        hotline = hotline_for(jurisdiction_for("", override=draft.jurisdiction))
        detail["hotline"] = {"name": hotline.name, "url": hotline.url}
    notice.detail = detail


class DraftStage:
    """Compose the request of a case for a site: contact, language, legal basis, template."""

    name: ClassVar[str] = "draft"
    lane: ClassVar[str] = "notice"
    # Itself: a detection's evidence arrived while the draft was composed (see request_draft).
    successors: ClassVar[tuple[str, ...]] = ("draft",)
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
        with self.ctx.db.session() as s:
            again = draft_again(s, notice_id)
            notice = s.get(Notice, notice_id) if again else None
            priority = notice.priority if notice is not None else 0.0
        if again:
            self.ctx.handoff("draft", notice_id, priority)


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
        _minor_flag(s, notice, dets)
        chosen = _escalation_recipients(notice, contacts)
        req = build_request(
            ctx.settings, s, notice, dets, contacts, recipient=chosen[0] if chosen else None
        )
        composed = _compose(s, notice, req)
        preset = list(notice.to or [])
        apply(notice, composed, contacts, chosen)
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


def printed_reference(s: Session, notice: Notice) -> str | None:
    """The reference a notice prints: its own, or for a reminder the first request's."""
    return (_root(s, notice) if notice.kind == "reminder" else notice).reference


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
    if notice.kind == "referral":
        ids = [d.id for d in _covered(s, notice)]
        last = s.execute(
            select(func.max(Followup.checked_at)).where(Followup.detection_id.in_(ids))
        ).scalar()
        return compose_referral(req, first_sent_at=first_sent, last_checked_at=last or utcnow())
    role: Any = notice.escalation_role or "registrar"
    return compose_escalation(
        req, role=role, first_sent_at=first_sent, first_message_id=root.message_id
    )


_ROLE_SOURCES: dict[str, tuple[str, ...]] = {
    "host": ("rdap-network", "whois-network"),
    "network": ("rdap-network", "whois-network"),
    "cdn": ("cdn",),
    "registrar": ("rdap-registrar", "whois-registrar"),
}


def _escalation_recipients(notice: Notice, contacts: ContactSet) -> list[FoundContact] | None:
    """The escalation's own recipient, by its role; ``None`` keeps the preset one."""
    if notice.kind != "escalation":
        return None
    role = notice.escalation_role or "registrar"
    sources = _ROLE_SOURCES.get(role, ("rdap-network", "rdap-registrar"))
    for source in sources:
        found = [c for c in contacts.contacts if c.source == source]
        if found and found[0].address not in (notice.to or []):
            return found[:1]
    preset = list(notice.to or [])
    for contact in contacts.contacts:
        if preset and contact.address == preset[0]:
            return [contact]
    return None


def compose_with(settings: Settings, s: Session, notice: Notice, recipient: FoundContact) -> None:
    """Compose a notice's draft with a known recipient and no lookup (sample data, imports)."""
    dets = _covered(s, notice)
    if not dets:
        raise ValueError("the notice covers no detection")
    known = tuple(
        FoundContact(r["address"], r["source"], r.get("source_url") or "")
        for r in notice.recipients or ()
        if r.get("address") != recipient.address
    )
    contacts = ContactSet(domain=notice.site, contacts=(recipient, *known))
    req = build_request(settings, s, notice, dets, contacts, recipient=recipient)
    apply(notice, _compose(s, notice, req), contacts, [recipient])
    notice.drafted_at = notice.drafted_at or utcnow()


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
