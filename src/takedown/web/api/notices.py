"""Notices (deletion requests): list, edit a draft, approve (which sends), reject; the timeline
of a request (events, replies and bounces read from the mailbox, re-checks) and the officer's
one-click confirmation of a reply's class."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from pydantic import Field, field_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from takedown.accounts.roles import Principal
from takedown.audit import Event, record
from takedown.notices.mailbox.intake import ATTENTION, CLASSES, apply_class
from takedown.pipeline.runtime import Runtime
from takedown.plugins import CHANNELS
from takedown.review import bulk
from takedown.review import notices as workflow
from takedown.store.base import utcnow
from takedown.store.tables import (
    AuditEvent,
    Followup,
    MailMessage,
    Notice,
    notice_detections,
)
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
    # A reply the officer must read (refused, more information): {class, mail, reason}.
    attention: dict[str, Any] | None = None
    ticket: str | None = None
    failed_recipients: list[str] = Field(default_factory=list)


class NoticePatch(Strict):
    to: list[str] | None = Field(default=None, min_length=1, max_length=20)
    language: str | None = Field(default=None, max_length=10)
    subject: str | None = Field(default=None, max_length=1000)
    body: str | None = Field(default=None, max_length=100_000)
    # How the request leaves: "email", or "webform" (the site's report form, from its recipe).
    channel: str | None = Field(default=None, max_length=20)

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
    data = {k: getattr(n, k) for k in _FIELDS}
    return NoticeOut(**data, **_followup(n), detection_ids=sorted(ids))


_DERIVED = ("detection_ids", "attention", "ticket", "failed_recipients")
_FIELDS = [k for k in NoticeOut.model_fields if k not in _DERIVED]


def _followup(n: Notice) -> dict[str, Any]:
    detail = n.detail if isinstance(n.detail, dict) else {}
    attention = detail.get("attention")
    ticket = detail.get("ticket")
    failed = detail.get("failed_recipients")
    return {
        "attention": attention if isinstance(attention, dict) else None,
        "ticket": ticket if isinstance(ticket, str) else None,
        "failed_recipients": sorted(failed) if isinstance(failed, dict) else [],
    }


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
    attention: bool | None = None,
    page: PageParams = Depends(page_params),
    s: Session = Depends(db_session),
    _: Principal = Depends(viewer),
) -> list[NoticeOut]:
    """Most urgent first; `q` searches the host, subject, ticket (message id) and the case's
    victim-facing reference; `attention=true`: the sent requests whose reply (refused, more
    information) waits for the officer."""
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
    if attention:
        query = query.where(
            Notice.id.in_(
                select(MailMessage.notice_id).where(
                    MailMessage.verified.is_(True),
                    func.coalesce(MailMessage.confirmed, MailMessage.suggested).in_(
                        sorted(ATTENTION)
                    ),
                )
            ),
            Notice.status.in_(("sent", "failed")),
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
    return [
        NoticeOut(
            **{k: getattr(n, k) for k in _FIELDS}, **_followup(n), detection_ids=sorted(links[n.id])
        )
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
    if body.channel is not None:
        _set_channel(rt, notice_id, body.channel, who)
        body = body.model_copy(update={"channel": None})
        if not body.model_dump(exclude_none=True):
            return _fresh(rt, notice_id)
    with _workflow_errors():
        if body.language is not None and body.subject is None and body.body is None:
            workflow.rerender(rt, notice_id, who, body.language)  # a language switch re-renders
            if body.to is not None:
                workflow.edit_draft(rt, notice_id, who, to=body.to)
        else:
            workflow.edit_draft(rt, notice_id, who, **body.model_dump(exclude_none=True))
    return _fresh(rt, notice_id)


def _set_channel(rt: Runtime, notice_id: int, channel: str, who: Principal) -> None:
    if channel not in CHANNELS:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"unknown channel {channel!r}; known: {', '.join(CHANNELS.names())}",
        )
    with rt.db.session() as s:
        n = get_or_404(s, Notice, notice_id, "notice")
        if n.status != "draft":
            raise HTTPException(status.HTTP_409_CONFLICT, "only a draft's channel can change")
        if n.channel != channel:
            record(
                s,
                Event(
                    "notice.channel", who.actor, "notice", n.id, {"from": n.channel, "to": channel}
                ),
            )
            n.channel = channel


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


# --- the timeline of a request, and the officer's confirmation of a reply's class ----------


class MailOut(Out):
    id: int
    notice_id: int | None
    received_at: datetime
    sender: str
    subject: str
    message_id: str | None
    kind: str
    via: str | None
    verified: bool
    suggested: str
    confirmed: str | None
    confirmed_by: str | None
    confirmed_at: datetime | None
    ticket: str | None
    reason: str | None
    excerpt: str
    sha256: str
    size: int
    evidence_key: str
    headers: dict[str, Any]
    failed_recipients: list[dict[str, Any]]


class TimelineEntry(Out):
    at: datetime
    type: Literal["event", "mail", "recheck"]
    summary: str
    actor: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    mail: MailOut | None = None


class ConfirmBody(Strict):
    # The class the officer confirms; absent: the rules' suggestion.
    kind: str | None = Field(default=None, max_length=20)


def mail_out(m: MailMessage) -> MailOut:
    return MailOut(**{k: getattr(m, k) for k in MailOut.model_fields})


def timeline(s: Session, n: Notice) -> list[TimelineEntry]:
    """Everything that happened to one request, oldest first."""
    out: list[TimelineEntry] = []
    for ev in s.execute(
        select(AuditEvent)
        .where(AuditEvent.object_type == "notice", AuditEvent.object_id == str(n.id))
        .order_by(AuditEvent.id)
    ).scalars():
        out.append(
            TimelineEntry(
                at=ev.at, type="event", summary=ev.action, actor=ev.actor, data=ev.data or {}
            )
        )
    for m in s.execute(
        select(MailMessage).where(MailMessage.notice_id == n.id).order_by(MailMessage.id)
    ).scalars():
        cls = m.confirmed or m.suggested
        flag = "" if m.verified or m.kind == "bounce" else " (unverified sender)"
        out.append(
            TimelineEntry(
                at=m.received_at,
                type="mail",
                summary=f"{m.kind} from {m.sender}: {cls}{flag}",
                mail=mail_out(m),
            )
        )
    for f in s.execute(
        select(Followup).where(Followup.notice_id == n.id).order_by(Followup.id)
    ).scalars():
        out.append(
            TimelineEntry(
                at=f.checked_at,
                type="recheck",
                summary="re-check: removed" if f.removed else "re-check: still online",
                data={"reason": f.reason, "http_status": f.http_status, "removed": f.removed},
            )
        )
    out.sort(key=lambda e: e.at)
    return out


@router.get("/{notice_id}/timeline", response_model=list[TimelineEntry])
def get_timeline(
    notice_id: int, s: Session = Depends(db_session), _: Principal = Depends(viewer)
) -> list[TimelineEntry]:
    return timeline(s, get_or_404(s, Notice, notice_id, "notice"))


def confirm_class(
    rt: Runtime, notice_id: int, mail_id: int, kind: str | None, who: Principal
) -> MailOut:
    """The officer's one click: the reply's class stands (or is corrected); a confirmed
    "removed" asks for a re-check now; nothing is ever answered."""
    with rt.db.session() as s:
        m = s.get(MailMessage, mail_id)
        if m is None or m.notice_id != notice_id:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such message on this request")
        chosen = kind or m.suggested
        if chosen not in CLASSES:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, f"class must be one of {list(CLASSES)}"
            )
        if (m.kind == "bounce") != (chosen == "bounce"):
            raise HTTPException(status.HTTP_409_CONFLICT, "a bounce is confirmed as a bounce only")
        n = get_or_404(s, Notice, notice_id, "notice")
        m.confirmed, m.confirmed_by, m.confirmed_at = chosen, who.name, utcnow()
        record(
            s,
            Event(
                "mail.confirmed",
                who.actor,
                "mail",
                m.id,
                {"class": chosen, "suggested": m.suggested, "notice": n.id},
            ),
        )
        recheck = apply_class(s, n, m, chosen, who.actor)
        out = mail_out(m)
    if recheck:
        rt.submit("recheck", notice_id, 100.0)
    return out


@router.post("/{notice_id}/mail/{mail_id}/confirm", response_model=MailOut)
def confirm_mail(
    notice_id: int,
    mail_id: int,
    body: ConfirmBody | None = None,
    rt: Runtime = Depends(runtime),
    who: Principal = Depends(officer),
) -> MailOut:
    """Confirm (or correct, with ``{"kind": ...}``) the class of a reply with one click."""
    return confirm_class(rt, notice_id, mail_id, body.kind if body else None, who)
