"""Notices (deletion requests): list, edit a draft, approve (which sends), reject."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from pydantic import Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.accounts.roles import Principal
from takedown.pipeline.runtime import Runtime
from takedown.review import bulk
from takedown.review import notices as workflow
from takedown.store.tables import Notice, notice_detections
from takedown.web.api.common import Out, Strict, get_or_404
from takedown.web.api.paging import Order, PageParams, link_next, page_params, paginate
from takedown.web.api.queries import notices_query
from takedown.web.deps import db_session, officer, runtime, viewer

router = APIRouter(prefix="/notices", tags=["notices"])
Status = Literal["draft", "approved", "sent", "failed", "resolved", "rejected"]


class NoticeOut(Out):
    id: int
    case_id: int | None
    detection_ids: list[int]
    kind: str
    parent_id: int | None
    site: str
    channel: str
    to: list[str]
    recipients: list[dict[str, Any]]
    language: str
    jurisdiction: str
    subject: str
    body: str
    legal_basis: str
    status: str
    error: str | None
    message_id: str | None
    priority: float
    created_at: datetime
    drafted_at: datetime | None
    approved_at: datetime | None
    approved_by: str | None
    sent_at: datetime | None
    resolved_at: datetime | None


class NoticePatch(Strict):
    to: list[str] | None = Field(default=None, min_length=1, max_length=20)
    language: str | None = Field(default=None, max_length=10)
    subject: str | None = Field(default=None, max_length=1000)
    body: str | None = Field(default=None, max_length=100_000)

    @field_validator("subject")
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        # A mail header: a line break would inject headers (or leave the draft unsendable).
        if value is not None and any(ch in value for ch in "\r\n\x0b\x0c\x85\u2028\u2029"):
            raise ValueError("the subject must be one line (no CR or LF)")
        return value


class Rejection(Strict):
    reason: str = Field(default="", max_length=500)


def notice_out(s: Session, n: Notice) -> NoticeOut:
    ids = s.execute(
        select(notice_detections.c.detection_id).where(notice_detections.c.notice_id == n.id)
    ).scalars()
    data = {k: getattr(n, k) for k in NoticeOut.model_fields if k != "detection_ids"}
    return NoticeOut(**data, detection_ids=sorted(ids))


@contextmanager
def _workflow_errors() -> Iterator[None]:
    try:
        yield
    except LookupError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except PermissionError as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from exc
    except workflow.WorkflowError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc


@router.get("", response_model=list[NoticeOut])
def list_notices(
    request: Request,
    response: Response,
    status: Status | None = None,
    case_id: int | None = None,
    site: str | None = None,
    kind: str | None = None,
    language: str | None = None,
    min_priority: float | None = None,
    since: datetime | None = None,
    age_days: int | None = None,
    q: str | None = None,
    page: PageParams = Depends(page_params),
    s: Session = Depends(db_session),
    _: Principal = Depends(viewer),
) -> list[NoticeOut]:
    """Most urgent first; `q` searches the host, subject, ticket (message id) and the case's
    victim-facing reference."""
    query = notices_query(
        status=status,
        case_id=case_id,
        site=site,
        kind=kind,
        language=language,
        min_priority=min_priority,
        since=since,
        age_days=age_days,
        q=q,
    )
    rows, cursor = paginate(s, query, [Order(Notice.priority, True), Order(Notice.id)], page)
    link_next(request, response, cursor)
    return notices_out(s, rows)


def notices_out(s: Session, rows: list[Notice]) -> list[NoticeOut]:
    """Many notices with their detection ids in one query (not one per notice)."""
    links: dict[int, list[int]] = {n.id: [] for n in rows}
    for notice_id, detection_id in s.execute(
        select(notice_detections.c.notice_id, notice_detections.c.detection_id).where(
            notice_detections.c.notice_id.in_(list(links))
        )
    ).all():
        links[notice_id].append(detection_id)
    fields = [k for k in NoticeOut.model_fields if k != "detection_ids"]
    return [
        NoticeOut(**{k: getattr(n, k) for k in fields}, detection_ids=sorted(links[n.id]))
        for n in rows
    ]


class BulkIds(Strict):
    ids: list[int] = Field(min_length=1, max_length=500)


@router.post("/bulk-approve", response_model=list[NoticeOut])
def bulk_approve(
    body: BulkIds, rt: Runtime = Depends(runtime), who: Principal = Depends(officer)
) -> list[NoticeOut]:
    """Approve (send) every listed draft, or none: 409 lists why each refused one would fail."""
    with _workflow_errors():
        try:
            done = bulk.approve_all(rt, body.ids, who)
        except bulk.BulkRefusedError as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    with rt.db.session() as s:
        rows = list(
            s.execute(select(Notice).where(Notice.id.in_(done)).order_by(Notice.id)).scalars()
        )
        return notices_out(s, rows)


@router.get("/{notice_id}", response_model=NoticeOut)
def get_notice(
    notice_id: int, s: Session = Depends(db_session), _: Principal = Depends(viewer)
) -> NoticeOut:
    return notice_out(s, get_or_404(s, Notice, notice_id, "notice"))


def _fresh(rt: Runtime, notice_id: int) -> NoticeOut:
    with rt.db.session() as s:
        return notice_out(s, get_or_404(s, Notice, notice_id, "notice"))


@router.patch("/{notice_id}", response_model=NoticeOut)
def edit_notice(
    notice_id: int,
    body: NoticePatch,
    rt: Runtime = Depends(runtime),
    who: Principal = Depends(officer),
) -> NoticeOut:
    with _workflow_errors():
        if body.language is not None and body.subject is None and body.body is None:
            workflow.rerender(rt, notice_id, who, body.language)  # a language switch re-renders
            if body.to is not None:
                workflow.edit_draft(rt, notice_id, who, to=body.to)
        else:
            workflow.edit_draft(rt, notice_id, who, **body.model_dump(exclude_none=True))
    return _fresh(rt, notice_id)


@router.post("/{notice_id}/approve", response_model=NoticeOut)
def approve_notice(
    notice_id: int, rt: Runtime = Depends(runtime), who: Principal = Depends(officer)
) -> NoticeOut:
    with _workflow_errors():
        workflow.approve(rt, notice_id, who)
    return _fresh(rt, notice_id)


@router.post("/{notice_id}/reject", response_model=NoticeOut)
def reject_notice(
    notice_id: int,
    body: Rejection | None = None,
    rt: Runtime = Depends(runtime),
    who: Principal = Depends(officer),
) -> NoticeOut:
    with _workflow_errors():
        workflow.reject(rt, notice_id, who, body.reason if body else "")
    return _fresh(rt, notice_id)
