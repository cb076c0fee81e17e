"""Report stage: the evidence reports (HWPX and PDF) of a captured page, in the hash lane.

Rendering the reports is CPU work of a few seconds; done in the capture thread it kept a
browser-lane thread from the next capture and made every draft wait for it. The draft cites the
capture (its evidence reference and time), not the reports, so the reports follow on their own.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown import __version__
from takedown.audit import Event, record
from takedown.config import Settings
from takedown.evidence.manifest import Artifact as ManifestArtifact
from takedown.evidence.record import EvidenceRecord
from takedown.evidence.reports.build import HWPX_NAME, PDF_NAME, add_reports
from takedown.evidence.reports.content import MatchInfo, ReportInput, segments_from_detail
from takedown.pipeline.context import StageContext
from takedown.pipeline.graph import Work
from takedown.store.tables import Artifact, Detection, Evidence

log = logging.getLogger(__name__)
ACTOR = f"takedown/{__version__} report"


class ReportStage:
    """Render and store the HWPX and PDF reports of a captured page, then commit custody."""

    name: ClassVar[str] = "report"
    lane: ClassVar[str] = "hash"
    successors: ClassVar[tuple[str, ...]] = ()
    work: ClassVar[Work | None] = None

    def __init__(self, ctx: StageContext) -> None:
        self.ctx = ctx

    @classmethod
    def concurrency(cls, settings: Settings) -> int:
        return 1

    def run(self, evidence_id: int) -> None:
        write_reports(self.ctx, evidence_id)


def record_artifacts(
    s: Session, ev: Evidence, key: str, artifacts: Iterable[ManifestArtifact]
) -> None:
    """One Artifact row per stored file of the evidence record not yet listed."""
    known = set(s.execute(select(Artifact.name).where(Artifact.evidence_id == ev.id)).scalars())
    for a in artifacts:
        if a.name in known:
            continue
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


def write_reports(ctx: StageContext, evidence_id: int) -> bool:
    """Add the reports to a captured evidence record; False when there is nothing to do.

    The reports cite the capture's custody entry (``Evidence.custody_entry`` until they are
    written); afterwards the row holds the newest entry, the reports' own."""
    with ctx.db.session() as s:
        ev = s.get(Evidence, evidence_id)
        if ev is None or ev.state != "captured" or not ev.custody_entry:
            return False
        key, cites = ev.key, ev.custody_entry
        dets = list(s.execute(select(Detection).where(Detection.page_id == ev.page_id)).scalars())
        matches = tuple(
            MatchInfo(
                reference=f"REF-{d.reference_id:06d}" if d.reference_id else "keyword",
                algorithm=d.algorithm,
                distance=d.distance,
                media_url=d.media_url,
                segments=segments_from_detail(d.detail),
            )
            for d in dets
        )
        case_ids = sorted({d.case_id for d in dets if d.case_id is not None})
    services = ctx.services.evidence
    rec = EvidenceRecord.open(services.store, key, vault=services.vault, signer=services.signer)
    head: str | None = None
    if {a.name for a in rec.manifest.artifacts} >= {HWPX_NAME, PDF_NAME}:
        manifest = rec.manifest  # a task run twice: the reports are stored, the rows catch up
    else:
        committed = add_reports(
            rec,
            ReportInput(
                case_reference=f"CASE-{case_ids[0]:06d}" if case_ids else "CASE-PROACTIVE",
                custody_entry_id=cites,
                matches=matches,
                center_name=ctx.settings.center_name,
            ),
            actor=ACTOR,
            tsa=services.tsa,
        )
        manifest, head = committed.manifest, committed.entry.id
    with ctx.db.session() as s:
        ev = s.get(Evidence, evidence_id)
        if ev is None:
            return False
        ev.manifest = manifest.to_dict()
        if head is not None:
            ev.custody_entry = head  # the newest custody entry, as before the split
        record_artifacts(s, ev, key, manifest.artifacts)
        record(
            s,
            Event(
                "evidence.reports",
                "system:report",
                "evidence",
                ev.id,
                {"key": key, "custody_entry": head, "cites": cites},
            ),
        )
    return True
