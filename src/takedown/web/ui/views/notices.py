"""The notice editor: recipients and where each came from, language, preview, approve or reject,
and the status timeline. State changes go through ``takedown.review.notices`` (audited there)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy import select

from takedown.notices.catalog import SUPPORTED_LANGUAGES
from takedown.notices.law import LegalCategory
from takedown.notices.mailbox.intake import CLASSES
from takedown.review import notices as workflow
from takedown.review.queue import detections_of
from takedown.review.timeline import notice_timeline
from takedown.store.paging import Order, paginate
from takedown.store.tables import MailMessage, Notice
from takedown.web.api.queries import notices_query
from takedown.web.ui.common import (
    UiDenied,
    csrf,
    flash,
    officer,
    redirect,
    render,
    tr,
    ui,
    viewer,
)
from takedown.web.ui.listing import pager_links, read_filters, safe_back
from takedown.web.ui.session import UiUser

router = APIRouter()
STATUSES = ("draft", "approved", "sent", "failed", "resolved", "rejected")
NOTICE_KINDS = ("initial", "reminder", "escalation")
# The API's order of notices: most urgent first, then by id.
NOTICE_ORDER = [Order(Notice.priority, True), Order(Notice.id)]


@router.get("/notices", include_in_schema=False)
def notice_list(request: Request, user: UiUser = Depends(viewer)) -> Response:
    f = read_filters(request, STATUSES)
    status = f.status or ("sent" if "status" not in request.query_params else None)
    query = notices_query(
        status=status,
        case_id=f.case_id,
        site=f.site,
        kind=f.kind if f.kind in NOTICE_KINDS else None,
        language=f.language,
        min_priority=f.min_priority,
        age_days=f.age_days,
        q=f.q,
    )
    with ui(request).rt.db.session() as s:
        rows, cursor = paginate(s, query, NOTICE_ORDER, f.page)
    return render(
        request,
        "notices.html",
        notices=rows,
        status=status,
        statuses=STATUSES,
        kinds=NOTICE_KINDS,
        f=replace(f, status=status),
        pages=pager_links(request, cursor),
    )


@router.get("/notices/{notice_id}", include_in_schema=False)
def editor(request: Request, notice_id: int, user: UiUser = Depends(viewer)) -> Response:
    with ui(request).rt.db.session() as s:
        notice = s.get(Notice, notice_id)
        if notice is None:
            raise UiDenied(404, tr(request)("Not found."))
        detections = detections_of(s, notice_id)
        steps = notice_timeline(s, notice_id)
        mails = list(
            s.execute(
                select(MailMessage)
                .where(MailMessage.notice_id == notice_id)
                .order_by(MailMessage.received_at, MailMessage.id)
            ).scalars()
        )
        problems = (
            workflow.approval_problems(ui(request).rt.settings, s, notice)
            if notice.status == "draft"
            else []
        )
    return render(
        request,
        "notice.html",
        notice=notice,
        detections=detections,
        steps=steps,
        mails=mails,
        reply_classes=[c for c in CLASSES if c != "bounce"],
        notice_languages=SUPPORTED_LANGUAGES,
        elements=workflow.element_checklist(notice),
        problems=problems,
        categories=[c.value for c in LegalCategory if c is not LegalCategory.CSEM],
    )


def _act(
    request: Request, notice_id: int, action: Callable[[], object], back: str = ""
) -> Response:
    try:
        action()
    except workflow.WorkflowError as exc:
        flash(request, str(exc), "error")
    except PermissionError as exc:
        raise UiDenied(403, str(exc)) from exc
    except LookupError as exc:
        raise UiDenied(404, str(exc)) from exc
    return redirect(safe_back(back, f"/notices/{notice_id}"))


@router.post("/notices/{notice_id}/edit", include_in_schema=False, dependencies=[Depends(csrf)])
def edit(
    request: Request,
    notice_id: int,
    to: str = Form(""),
    subject: str = Form(max_length=1000),
    body: str = Form(max_length=200_000),
    user: UiUser = Depends(officer),
) -> Response:
    addresses = [a.strip() for a in to.replace(",", "\n").splitlines() if a.strip()]
    rt = ui(request).rt
    response = _act(
        request,
        notice_id,
        lambda: workflow.edit_draft(
            rt, notice_id, user.principal, to=addresses, subject=subject, body=body
        ),
    )
    if not request.session.get("flash"):
        flash(request, tr(request)("Saved."))
    return response


@router.post("/notices/{notice_id}/language", include_in_schema=False, dependencies=[Depends(csrf)])
def rerender(
    request: Request,
    notice_id: int,
    language_code: str = Form(alias="language", max_length=10),
    user: UiUser = Depends(officer),
) -> Response:
    rt = ui(request).rt
    return _act(
        request, notice_id, lambda: workflow.rerender(rt, notice_id, user.principal, language_code)
    )


@router.post("/notices/{notice_id}/approve", include_in_schema=False, dependencies=[Depends(csrf)])
def approve(
    request: Request,
    notice_id: int,
    back: str = Form("", max_length=2000),
    user: UiUser = Depends(officer),
) -> Response:
    rt = ui(request).rt
    return _act(request, notice_id, lambda: workflow.approve(rt, notice_id, user.principal), back)


@router.post("/notices/{notice_id}/reject", include_in_schema=False, dependencies=[Depends(csrf)])
def reject(
    request: Request,
    notice_id: int,
    reason: str = Form("", max_length=2000),
    back: str = Form("", max_length=2000),
    user: UiUser = Depends(officer),
) -> Response:
    rt = ui(request).rt
    return _act(
        request, notice_id, lambda: workflow.reject(rt, notice_id, user.principal, reason), back
    )


@router.post(
    "/notices/{notice_id}/mail/{mail_id}/confirm",
    include_in_schema=False,
    dependencies=[Depends(csrf)],
)
def confirm_mail(
    request: Request,
    notice_id: int,
    mail_id: int,
    kind: str = Form("", max_length=20),
    user: UiUser = Depends(officer),
) -> Response:
    """The one-click confirmation of a reply's class (or its correction)."""
    from fastapi import HTTPException

    from takedown.web.api.notices import confirm_class

    try:
        confirm_class(ui(request).rt, notice_id, mail_id, kind or None, user.principal)
    except HTTPException as exc:
        if exc.status_code == 404:
            raise UiDenied(404, tr(request)("Not found.")) from exc
        flash(request, str(exc.detail), "error")
        return redirect(f"/notices/{notice_id}")
    flash(request, tr(request)("Class confirmed."))
    return redirect(f"/notices/{notice_id}")


@router.post("/notices/{notice_id}/minor", include_in_schema=False, dependencies=[Depends(csrf)])
def minor(
    request: Request,
    notice_id: int,
    decision: str = Form(max_length=10),
    user: UiUser = Depends(officer),
) -> Response:
    """The officer's decision on a Challenge 25 flag: confirm (minor's route) or dismiss."""
    rt = ui(request).rt
    return _act(
        request,
        notice_id,
        lambda: workflow.decide_minor(
            rt, notice_id, user.principal, confirmed=decision == "confirm"
        ),
    )


@router.post("/notices/{notice_id}/category", include_in_schema=False, dependencies=[Depends(csrf)])
def category(
    request: Request,
    notice_id: int,
    value: str = Form(alias="category", max_length=30),
    user: UiUser = Depends(officer),
) -> Response:
    rt = ui(request).rt
    return _act(
        request, notice_id, lambda: workflow.set_category(rt, notice_id, user.principal, value)
    )
