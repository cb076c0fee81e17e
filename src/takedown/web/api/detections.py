"""Detections: what was found where, against which case, and whether it is still online."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.accounts.roles import Principal
from takedown.store.tables import Detection
from takedown.web.api.common import Out, get_or_404
from takedown.web.deps import db_session, viewer

router = APIRouter(prefix="/detections", tags=["detections"])


class DetectionOut(Out):
    id: int
    case_id: int | None
    reference_id: int | None
    page_url: str
    media_url: str | None
    site: str
    kind: str
    algorithm: str
    distance: float
    confidence: float | None
    proactive: bool
    priority: float
    first_seen_at: datetime
    status: str
    removed_at: datetime | None
    evidence_id: int | None
    previous_id: int | None


@router.get("", response_model=list[DetectionOut])
def list_detections(
    case_id: int | None = None,
    since: datetime | None = None,
    status: Literal["active", "removed"] | None = None,
    proactive: bool | None = None,
    limit: int = Query(1000, ge=1, le=10_000),
    s: Session = Depends(db_session),
    _: Principal = Depends(viewer),
) -> list[Detection]:
    q = select(Detection)
    if case_id is not None:
        q = q.where(Detection.case_id == case_id)
    if since is not None:
        q = q.where(Detection.first_seen_at >= since)
    if status is not None:
        q = q.where(Detection.status == status)
    if proactive is not None:
        q = q.where(Detection.proactive.is_(proactive))
    return list(s.execute(q.order_by(Detection.id).limit(limit)).scalars())


@router.get("/{detection_id}", response_model=DetectionOut)
def get_detection(
    detection_id: int, s: Session = Depends(db_session), _: Principal = Depends(viewer)
) -> Detection:
    return get_or_404(s, Detection, detection_id, "detection")
