"""Candidates: proactive findings and same-person candidates, waiting for an officer's decision."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from takedown.review import candidates as review
from takedown.web.ui.common import UiDenied, csrf, flash, officer, redirect, render, tr, ui, viewer
from takedown.web.ui.session import UiUser

router = APIRouter()


@router.get("/candidates", include_in_schema=False)
def candidates_page(request: Request, user: UiUser = Depends(viewer)) -> Response:
    with ui(request).rt.db.session() as s:
        items = review.candidates(s)
    return render(request, "candidates.html", items=items)


def _decide(
    request: Request, action: str, detection_id: int, user: UiUser, reason: str
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
    return redirect("/candidates")


@router.post(
    "/candidates/{detection_id}/confirm", include_in_schema=False, dependencies=[Depends(csrf)]
)
def confirm(request: Request, detection_id: int, user: UiUser = Depends(officer)) -> Response:
    return _decide(request, "confirm", detection_id, user, "")


@router.post(
    "/candidates/{detection_id}/dismiss", include_in_schema=False, dependencies=[Depends(csrf)]
)
def dismiss(
    request: Request,
    detection_id: int,
    reason: str = Form("", max_length=500),
    user: UiUser = Depends(officer),
) -> Response:
    return _decide(request, "dismiss", detection_id, user, reason)
