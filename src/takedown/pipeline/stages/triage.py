"""Triage: nudity, apparent age and faces of found media, on its own queue so hashing never waits.

Results order the review queue. A page with a keyword hit, nudity and an apparent minor becomes a
proactive detection (no case) for an officer to look at; nothing is ever sent on this alone.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import ClassVar

from sqlalchemy import select

from takedown.config import Settings
from takedown.pipeline import spool
from takedown.pipeline.context import StageContext
from takedown.pipeline.detections import Hit, ensure_evidence, record_hit
from takedown.pipeline.graph import Work
from takedown.review.faces import reference_faces
from takedown.store.tables import Detection, Media, Notice, Page, notice_detections, page_media
from takedown.triage.base import Budget
from takedown.triage.extra import available
from takedown.triage.priority import priority, proactive
from takedown.triage.run import signals_from, triage

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def triage_enabled() -> bool:
    """Whether the triage extra is installed; checked and said once per process."""
    ok, why = available()
    if ok:
        log.info("triage is on")
    else:
        log.info("triage is off: %s", why)
    return ok


class TriageStage:
    """Nudity, apparent age and faces of a hashed image; orders the queue, proposes candidates."""

    name: ClassVar[str] = "triage"
    lane: ClassVar[str] = "hash"
    successors: ClassVar[tuple[str, ...]] = ("capture",)
    work: ClassVar[Work | None] = None

    def __init__(self, ctx: StageContext) -> None:
        self.ctx = ctx

    @classmethod
    def concurrency(cls, settings: Settings) -> int:
        return 1

    def run(self, media_id: int) -> None:
        captures = run_triage(self.ctx, media_id)
        for ev_id in captures:
            # A proactive finding's page is captured after every match (lowest priority).
            self.ctx.handoff("capture", ev_id, 1.0)


def run_triage(ctx: StageContext, media_id: int) -> list[int]:
    data = spool.take(ctx.services, spool.media_name(media_id))
    if data is None:
        return []
    report = triage(data, budget=Budget(max_input_pixels=ctx.settings.max_image_pixels))
    with ctx.db.session() as s:
        references = reference_faces(s, ctx.services.vault)
    captures: list[int] = []
    with ctx.db.session() as s:
        media = s.get(Media, media_id)
        if media is None:
            return []
        dets = list(s.execute(select(Detection).where(Detection.media_id == media_id)).scalars())
        pages = list(
            s.execute(
                select(Page)
                .join(page_media, page_media.c.page_id == Page.id)
                .where(page_media.c.media_id == media_id)
            ).scalars()
        )
        hits = sum(len(p.keyword_hits or []) for p in pages)
        distances = [int(d.distance) for d in dets if d.algorithm == "pdq"]
        signals, same = signals_from(
            report,
            references=references,
            keyword_hits=hits,
            exact_match=any(d.algorithm in ("sha256", "md5") for d in dets),
            hash_distance=min(distances) if distances else None,
        )
        score = priority(signals).score
        media.triage = report.to_json()
        media.priority = max(media.priority, score)
        for d in dets:
            d.priority = max(d.priority, score)
            for n in s.execute(
                select(Notice)
                .join(notice_detections, notice_detections.c.notice_id == Notice.id)
                .where(notice_detections.c.detection_id == d.id)
            ).scalars():
                n.priority = max(n.priority, d.priority)
        for cand in same:
            # A candidate for the officer, never an identification: no capture, no request.
            case_id = int(cand.ref_id.split(":", 1)[0])
            for page in pages:
                record_hit(
                    s,
                    page,
                    media,
                    Hit(
                        case_id,
                        None,
                        media.kind,
                        "face",
                        cand.distance,
                        detail={
                            "same_person_candidate": True,
                            "threshold": cand.threshold,
                            "face_index": cand.face_index,
                        },
                        priority=score,
                        review="candidate",
                    ),
                )
        decision = proactive(signals)
        if decision.candidate and not any(d.case_id for d in dets):
            for page in pages:
                det = record_hit(
                    s,
                    page,
                    media,
                    Hit(
                        None,
                        None,
                        media.kind,
                        "triage",
                        0.0,
                        detail={"met": list(decision.met)},
                        priority=score,
                    ),
                )
                if det is not None and (ev := ensure_evidence(s, page)) is not None:
                    s.flush()
                    captures.append(ev.id)
    return captures
