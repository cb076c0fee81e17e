"""Detections: what was found where, against which case, and whether it is still online."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from pydantic import Field
from sqlalchemy.orm import Session

from takedown.accounts.roles import Principal
from takedown.pipeline.runtime import Runtime
from takedown.review import candidates
from takedown.review.candidates import CandidateError
from takedown.store.tables import Detection
from takedown.web.api.common import Out, Strict, get_or_404
from takedown.web.api.paging import Order, PageParams, link_next, page_params, paginate
from takedown.web.api.queries import detections_query
from takedown.web.deps import db_session, officer, runtime, viewer

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
    review: str
    priority: float
    first_seen_at: datetime
    status: str
    removed_at: datetime | None
    evidence_id: int | None
    previous_id: int | None


@router.get("", response_model=list[DetectionOut])
def list_detections(
    request: Request,
    response: Response,
    case_id: int | None = None,
    since: datetime | None = None,
    status: Literal["active", "removed"] | None = None,
    proactive: bool | None = None,
    review: Literal["none", "candidate", "confirmed", "dismissed"] | None = None,
    site: str | None = None,
    kind: Literal["image", "video", "text"] | None = None,
    min_priority: float | None = None,
    age_days: int | None = None,
    language: str | None = None,
    q: str | None = None,
    page: PageParams = Depends(page_params),
    s: Session = Depends(db_session),
    _: Principal = Depends(viewer),
) -> list[Detection]:
    """Detections by id; `q` searches the page and file URL and the host."""
    query = detections_query(
        case_id=case_id,
        since=since,
        status=status,
        proactive=proactive,
        review=review,
        site=site,
        kind=kind,
        min_priority=min_priority,
        age_days=age_days,
        language=language,
        q=q,
    )
    rows, cursor = paginate(s, query, [Order(Detection.id)], page)
    link_next(request, response, cursor)
    return rows


@router.get("/{detection_id}", response_model=DetectionOut)
def get_detection(
    detection_id: int, s: Session = Depends(db_session), _: Principal = Depends(viewer)
) -> Detection:
    return get_or_404(s, Detection, detection_id, "detection")


class Decision(Strict):
    reason: str = Field(default="", max_length=500)


def _decide(action: Callable[[], Detection]) -> Detection:
    try:
        return action()
    except LookupError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except PermissionError as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from exc
    except CandidateError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc


@router.post("/{detection_id}/confirm", response_model=DetectionOut)
def confirm_detection(
    detection_id: int, rt: Runtime = Depends(runtime), who: Principal = Depends(officer)
) -> Detection:
    """Accept a candidate (proactive or same person): it gets a case if needed, then a draft."""
    return _decide(lambda: candidates.confirm(rt, detection_id, who))


@router.post("/{detection_id}/dismiss", response_model=DetectionOut)
def dismiss_detection(
    detection_id: int,
    body: Decision | None = None,
    rt: Runtime = Depends(runtime),
    who: Principal = Depends(officer),
) -> Detection:
    return _decide(lambda: candidates.dismiss(rt, detection_id, who, body.reason if body else ""))
