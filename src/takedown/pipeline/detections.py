"""Recording detections, and opening the evidence capture of their page. Shared by the stages."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.audit import Event, record
from takedown.evidence.capture import new_evidence_key
from takedown.store.base import utcnow
from takedown.store.tables import Detection, Evidence, Media, Page

ACTOR = "system:pipeline"


def first_pdq(hashes: dict[str, Any]) -> str | None:
    """The PDQ of the file as it is (the first variant), from stored MediaHashes.to_dict()."""
    variants = hashes.get("pdq") or []
    return str(variants[0][0]) if variants and variants[0] else None


def url_hash(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Hit:
    """One finding to record: a media match (reference set) or a keyword hit (reference None)."""

    case_id: int | None
    reference_id: int | None
    kind: str
    algorithm: str
    distance: float
    confidence: float | None = None
    detail: dict[str, Any] | None = None
    priority: float = 0.0
    review: str = "none"


def record_hit(s: Session, page: Page, media: Media | None, hit: Hit) -> Detection | None:
    """A detection for `hit` on `page`, unless an active one exists; a re-upload links the old."""
    q = select(Detection).where(
        Detection.page_id == page.id,
        Detection.kind == hit.kind,
        Detection.case_id.is_(None) if hit.case_id is None else Detection.case_id == hit.case_id,
        Detection.media_id.is_(None) if media is None else Detection.media_id == media.id,
        Detection.reference_id.is_(None)
        if hit.reference_id is None
        else Detection.reference_id == hit.reference_id,
    )
    existing = list(s.execute(q.order_by(Detection.id)).scalars())
    if any(d.status == "active" for d in existing):
        return None
    previous = existing[-1].id if existing else _removed_before(s, hit)
    det = Detection(
        case_id=hit.case_id,
        reference_id=hit.reference_id,
        page_id=page.id,
        media_id=media.id if media else None,
        page_url=page.url,
        media_url=media.url if media else None,
        site=page.site,
        kind=hit.kind,
        algorithm=hit.algorithm,
        distance=hit.distance,
        confidence=hit.confidence,
        detail=hit.detail or {},
        proactive=hit.case_id is None,
        priority=hit.priority,
        review="candidate" if hit.case_id is None else hit.review,
        published_at=page.published_at,
        first_seen_at=utcnow(),
        previous_id=previous,
    )
    s.add(det)
    s.flush()
    record(
        s,
        Event(
            "detection.create",
            ACTOR,
            "detection",
            det.id,
            {
                "case": hit.case_id,
                "algorithm": hit.algorithm,
                "distance": hit.distance,
                "reappeared_from": previous,
            },
        ),
    )
    return det


def _removed_before(s: Session, hit: Hit) -> int | None:
    """A re-upload of removed content, anywhere: the newest removed detection of the same
    case and reference (text hits have no reference, so they link only on the same page)."""
    if hit.case_id is None or hit.reference_id is None:
        return None
    return s.execute(
        select(Detection.id)
        .where(
            Detection.case_id == hit.case_id,
            Detection.reference_id == hit.reference_id,
            Detection.status == "removed",
        )
        .order_by(Detection.removed_at.desc(), Detection.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def ensure_evidence(s: Session, page: Page) -> Evidence | None:
    """The page's capture: a new pending one unless one is pending, running or done."""
    current = s.execute(
        select(Evidence).where(Evidence.page_id == page.id, Evidence.state != "failed")
    ).scalar_one_or_none()
    if current is not None:
        return None
    ev = Evidence(key=new_evidence_key(), page_id=page.id, page_url=page.url, state="pending")
    s.add(ev)
    s.flush()
    return ev


def attach_evidence(s: Session, detections: Iterable[Detection], page: Page) -> None:
    captured = s.execute(
        select(Evidence.id).where(Evidence.page_id == page.id, Evidence.state == "captured")
    ).scalar_one_or_none()
    for det in detections:
        if captured is not None and det.evidence_id is None:
            det.evidence_id = captured


def newer(a: datetime | None, b: datetime | None) -> datetime | None:
    return max((x for x in (a, b) if x is not None), default=None)
