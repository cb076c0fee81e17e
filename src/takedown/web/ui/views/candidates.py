"""Candidates: proactive findings and same-person candidates, waiting for an officer's decision."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from takedown.review import bulk
from takedown.review import candidates as review
from takedown.review.queue import detection_views
from takedown.store.paging import Order, paginate
from takedown.store.tables import Detection
from takedown.web.api.queries import detections_query
from takedown.web.ui.common import UiDenied, csrf, flash, officer, redirect, render, tr, ui, viewer
from takedown.web.ui.listing import pager_links, read_filters, safe_back, this_page
from takedown.web.ui.session import UiUser

router = APIRouter()


KINDS = ("image", "video", "text")
ORDER = [Order(Detection.priority, True), Order(Detection.id)]


@router.get("/candidates", include_in_schema=False)
def candidates_page(request: Request, user: UiUser = Depends(viewer)) -> Response:
    f = read_filters(request)
    query = detections_query(
        review="candidate",
        status="active",
        case_id=f.case_id,
        site=f.site,
        kind=f.kind if f.kind in KINDS else None,
        min_priority=f.min_priority,
        age_days=f.age_days,
        language=f.language,
        q=f.q,
    )
    rt = ui(request).rt
    with rt.db.session() as s:
        rows, cursor = paginate(s, query, ORDER, f.page)
        items = detection_views(s, rows, rt.settings.preview_approval_confidence)
    return render(
        request,
        "candidates.html",
        items=items,
        f=f,
        kinds=KINDS,
        here=this_page(request),
        pages=pager_links(request, cursor),
    )


@router.post("/candidates/bulk-dismiss", include_in_schema=False, dependencies=[Depends(csrf)])
def bulk_dismiss(
    request: Request,
    ids: list[int] = Form([]),
    reason: str = Form("", max_length=500),
    back: str = Form("/candidates", max_length=2000),
    user: UiUser = Depends(officer),
) -> Response:
    """Dismiss every selected candidate with one reason, or none if any is not a candidate."""
    _ = tr(request)
    target = safe_back(back, "/candidates")
    if not ids:
        flash(request, _("Select at least one candidate."), "error")
        return redirect(target)
    try:
        done = bulk.dismiss_all(ui(request).rt, ids, user.principal, reason)
    except bulk.BulkRefusedError as exc:
        reasons = "; ".join(f"#{i}: {', '.join(r)}" for i, r in sorted(exc.problems.items()))
        flash(request, _("Nothing was dismissed. {reasons}", reasons=reasons), "error")
        return redirect(target)
    except ValueError as exc:
        flash(request, str(exc), "error")
        return redirect(target)
    flash(request, _("{n} candidates dismissed.", n=len(done)))
    return redirect(target)


def _decide(
    request: Request, action: str, detection_id: int, user: UiUser, reason: str, back: str = ""
) -> Response:
    rt = ui(request).rt
    try:
        if action == "confirm":
            review.confirm(rt, detection_id, user.principal)
            flash(request, tr(request)("Confirmed: a request will be drafted for review."))
        else:
            review.dismiss(rt, detection_id, user.principal, reason)
            flash(request, tr(request)("Dismissed."))
    except LookupError as exc:
        raise UiDenied(404, tr(request)("Not found.")) from exc
    except PermissionError as exc:
        raise UiDenied(403, str(exc)) from exc
    except review.CandidateError as exc:
        flash(request, str(exc), "error")
    return redirect(safe_back(back, "/candidates"))


@router.post(
    "/candidates/{detection_id}/confirm", include_in_schema=False, dependencies=[Depends(csrf)]
)
def confirm(
    request: Request,
    detection_id: int,
    back: str = Form("", max_length=2000),
    user: UiUser = Depends(officer),
) -> Response:
    return _decide(request, "confirm", detection_id, user, "", back)


@router.post(
    "/candidates/{detection_id}/dismiss", include_in_schema=False, dependencies=[Depends(csrf)]
)
def dismiss(
    request: Request,
    detection_id: int,
    reason: str = Form("", max_length=500),
    back: str = Form("", max_length=2000),
    user: UiUser = Depends(officer),
) -> Response:
    return _decide(request, "dismiss", detection_id, user, reason, back)
