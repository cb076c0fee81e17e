"""Triage: nudity, apparent age and faces of found media, on its own queue so hashing never waits.

Results order the review queue. A page with a keyword hit, nudity and an apparent minor becomes a
proactive detection (no case) for an officer to look at; nothing is ever sent on this alone.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import select

from takedown.pipeline import evidence as ev_store
from takedown.pipeline.detections import Hit, ensure_evidence, record_hit
from takedown.review.faces import reference_faces
from takedown.store.tables import Detection, Media, Notice, Page, notice_detections, page_media
from takedown.triage.base import Budget
from takedown.triage.extra import available
from takedown.triage.priority import priority, proactive
from takedown.triage.run import signals_from, triage

if TYPE_CHECKING:
    from takedown.pipeline.runtime import Runtime

log = logging.getLogger(__name__)
SPOOL = "triage-spool"


def enabled(rt: Runtime) -> bool:
    """Whether the triage extra is installed; checked and said once per process."""

    def check(_rt: Runtime) -> bool:
        ok, why = available()
        log.info("triage is on" if ok else "%s", why)
        return ok

    result: bool = rt.service("triage_enabled", check)
    return result


def spool(rt: Runtime, media_id: int, data: bytes) -> None:
    """Keep the found file, encrypted, until its triage has run (then it is deleted)."""
    folder = rt.settings.home / SPOOL
    folder.mkdir(parents=True, exist_ok=True)
    blob = ev_store.vault(rt).encrypt(data, evidence_key=SPOOL, name=str(media_id))
    (folder / f"{media_id}.bin").write_bytes(blob)


def _take(rt: Runtime, media_id: int) -> bytes | None:
    path = rt.settings.home / SPOOL / f"{media_id}.bin"
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        return None
    path.unlink(missing_ok=True)
    return ev_store.vault(rt).decrypt(blob, evidence_key=SPOOL, name=str(media_id))


def run(rt: Runtime, media_id: int) -> None:
    data = _take(rt, media_id)
    if data is None:
        return
    report = triage(data, budget=Budget(max_input_pixels=rt.settings.max_image_pixels))
    with rt.db.session() as s:
        references = reference_faces(s, ev_store.vault(rt))
    with rt.db.session() as s:
        media = s.get(Media, media_id)
        if media is None:
            return
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
                if det is not None:
                    ensure_evidence(s, page)
