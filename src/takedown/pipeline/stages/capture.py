"""Capture stage: a page with a new detection → browser capture → reports → Evidence + Artifacts."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown import __version__
from takedown.audit import Event, record
from takedown.evidence.capture import CaptureError, CaptureOptions, capture_evidence
from takedown.evidence.record import EvidenceRecord
from takedown.evidence.reports.build import add_reports
from takedown.evidence.reports.content import MatchInfo, ReportInput
from takedown.pipeline import evidence as ev_store
from takedown.pipeline import services
from takedown.pipeline.stage import Stage
from takedown.pipeline.stages.draft import request_draft
from takedown.store.base import utcnow
from takedown.store.tables import Artifact, Detection, Evidence, Page

if TYPE_CHECKING:
    from takedown.pipeline.runtime import Runtime

log = logging.getLogger(__name__)
ACTOR = f"takedown/{__version__} capture"
CAPTURE_TIMEOUT = 180.0


def run(rt: Runtime, evidence_id: int) -> None:
    with rt.db.session() as s:
        ev = s.get(Evidence, evidence_id)
        if ev is None:
            return
        key, url = ev.key, ev.page_url
        dets = list(s.execute(select(Detection).where(Detection.page_id == ev.page_id)).scalars())
        media_urls = sorted({d.media_url for d in dets if d.media_url})
        matches = tuple(
            MatchInfo(
                reference=f"REF-{d.reference_id:06d}" if d.reference_id else "keyword",
                algorithm=d.algorithm,
                distance=d.distance,
                media_url=d.media_url,
            )
            for d in dets
        )
        case_ids = sorted({d.case_id for d in dets if d.case_id is not None})
    store, vault = ev_store.store(rt), ev_store.vault(rt)
    options = CaptureOptions(timezone=rt.settings.timezone, actor=ACTOR)
    try:
        committed = services.runner(rt).run(
            capture_evidence(
                services.browser(rt),
                url,
                store=store,
                evidence_key=key,
                vault=vault,
                media_urls=media_urls,
                options=options,
            ),
            timeout=CAPTURE_TIMEOUT,
        )
    except CaptureError as exc:
        _failed(rt, evidence_id, exc.reason)
        return
    case_ref = f"CASE-{case_ids[0]:06d}" if case_ids else "CASE-PROACTIVE"
    rec = EvidenceRecord.open(store, key, vault=vault)
    committed = add_reports(
        rec,
        ReportInput(
            case_reference=case_ref,
            custody_entry_id=committed.entry.id,
            matches=matches,
            center_name=rt.settings.center_name,
        ),
        actor=ACTOR,
    )
    manifest = committed.manifest
    with rt.db.session() as s:
        ev = s.get(Evidence, evidence_id)
        if ev is None:
            return
        ev.state, ev.error = "captured", None
        ev.state_changed_at = utcnow()
        ev.captured_at = manifest.captured_at
        ev.manifest = manifest.to_dict()
        ev.custody_entry = committed.entry.id
        for a in manifest.artifacts:
            s.add(
                Artifact(
                    evidence_id=ev.id,
                    name=a.name,
                    kind=a.kind,
                    media_type=a.media_type,
                    size=a.size,
                    sha256=a.sha256,
                    path=f"{key}/{a.name}",
                    encrypted=a.encrypted,
                )
            )
        for det in s.execute(select(Detection).where(Detection.page_id == ev.page_id)).scalars():
            if det.evidence_id is None:
                det.evidence_id = ev.id
        record(
            s,
            Event(
                "evidence.captured",
                "system:capture",
                "evidence",
                ev.id,
                {
                    "key": key,
                    "custody_entry": committed.entry.id,
                    "artifacts": len(manifest.artifacts),
                },
            ),
        )
        drafts = [n for c in case_ids if (n := request_draft(s, c, _site(s, ev))) is not None]
        draft_ids = [n.id for n in drafts]
    for nid in draft_ids:
        rt.enqueue("draft", nid)


def _site(s: Session, ev: Evidence) -> str:
    page = s.get(Page, ev.page_id)
    return page.site if page else ""


def _failed(rt: Runtime, evidence_id: int, reason: str) -> None:
    """A page that cannot be captured: the reason is kept; drafting goes on without evidence."""
    with rt.db.session() as s:
        ev = s.get(Evidence, evidence_id)
        if ev is None:
            return
        ev.state, ev.error = "failed", reason[:2000]
        ev.state_changed_at = utcnow()
        record(s, Event("evidence.failed", "system:capture", "evidence", ev.id, {"reason": reason}))
        page_site = _site(s, ev)
        cases = {
            d.case_id
            for d in s.execute(select(Detection).where(Detection.page_id == ev.page_id)).scalars()
            if d.case_id
        }
        ids = [n.id for c in sorted(cases) if (n := request_draft(s, c, page_site)) is not None]
    for nid in ids:
        rt.enqueue("draft", nid)


def stage() -> Stage:
    return Stage(
        name="capture",
        model=Evidence,
        ready="pending",
        working="capturing",
        run=run,
        max_attempts=3,
    )
