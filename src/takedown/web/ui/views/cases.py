"""Cases: create, set keywords, and add references by upload (hashed in the request, the bytes
dropped) or by pasted hashes."""

from __future__ import annotations

from anyio import to_thread
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import func, select

from takedown.matching.hashing import HashLimits
from takedown.review.cases import add_case, change_case
from takedown.review.references import ALGORITHMS, ReferenceInputError, add_hashes, add_upload
from takedown.store.paging import Order, paginate
from takedown.store.tables import Case, Detection, Reference
from takedown.web.api.cases import CaseIn, CasePatch
from takedown.web.api.queries import cases_query
from takedown.web.api.uploads import read_upload
from takedown.web.ui.common import (
    UiDenied,
    csrf,
    flash,
    form_errors,
    officer,
    redirect,
    render,
    split_lines,
    tr,
    ui,
    viewer,
)
from takedown.web.ui.listing import pager_links, read_filters
from takedown.web.ui.session import UiUser, csrf_matches

router = APIRouter()


CASE_STATUSES = ("open", "monitoring", "closed")


@router.get("/cases", include_in_schema=False)
def case_list(request: Request, user: UiUser = Depends(viewer)) -> Response:
    f = read_filters(request, CASE_STATUSES)
    query = cases_query(status=f.status, q=f.q)
    with ui(request).rt.db.session() as s:
        cases, cursor = paginate(s, query, [Order(Case.id, True)], f.page)
        ids = [c.id for c in cases]
        refs = dict(
            s.execute(
                select(Reference.case_id, func.count())
                .where(Reference.case_id.in_(ids))
                .group_by(Reference.case_id)
            ).all()
        )
        dets = dict(
            s.execute(
                select(Detection.case_id, func.count())
                .where(Detection.case_id.in_(ids))
                .group_by(Detection.case_id)
            ).all()
        )
    return render(
        request,
        "cases.html",
        cases=cases,
        refs=refs,
        dets=dets,
        f=f,
        statuses=CASE_STATUSES,
        pages=pager_links(request, cursor),
    )


@router.post("/cases", include_in_schema=False, dependencies=[Depends(csrf)])
def create_case(
    request: Request,
    name: str = Form(""),
    keywords: str = Form(""),
    notes: str = Form(""),
    user: UiUser = Depends(officer),
) -> Response:
    try:
        body = CaseIn(name=name, keywords=split_lines(keywords), notes=notes or None)
    except ValidationError as exc:
        flash(request, form_errors(exc), "error")
        return redirect("/cases")
    with ui(request).rt.db.session() as s:
        case = add_case(s, body.name, body.keywords, body.notes, user.principal.actor)
        case_id = case.id
    return redirect(f"/cases/{case_id}")


@router.get("/cases/{case_id}", include_in_schema=False)
def case_page(request: Request, case_id: int, user: UiUser = Depends(viewer)) -> Response:
    with ui(request).rt.db.session() as s:
        case = s.get(Case, case_id)
        if case is None:
            raise UiDenied(404, tr(request)("Not found."))
        refs = list(
            s.execute(
                select(Reference).where(Reference.case_id == case_id).order_by(Reference.id)
            ).scalars()
        )
    return render(request, "case.html", case=case, references=refs, algorithms=ALGORITHMS)


@router.post("/cases/{case_id}", include_in_schema=False, dependencies=[Depends(csrf)])
def update_case(
    request: Request,
    case_id: int,
    name: str = Form(""),
    keywords: str = Form(""),
    notes: str = Form(""),
    user: UiUser = Depends(officer),
) -> Response:
    try:
        body = CasePatch(name=name or None, keywords=split_lines(keywords), notes=notes)
    except ValidationError as exc:
        flash(request, form_errors(exc), "error")
        return redirect(f"/cases/{case_id}")
    with ui(request).rt.db.session() as s:
        case = s.get(Case, case_id)
        if case is None:
            raise UiDenied(404, tr(request)("Not found."))
        change_case(s, case, body.model_dump(exclude_none=True), user.principal.actor)
    flash(request, tr(request)("Saved."))
    return redirect(f"/cases/{case_id}")


def _case_exists(request: Request, case_id: int) -> None:
    with ui(request).rt.db.session() as s:
        if s.get(Case, case_id) is None:
            raise UiDenied(404, tr(request)("Not found."))


@router.post("/cases/{case_id}/references/upload", include_in_schema=False)
async def upload_reference(
    request: Request,
    case_id: int,
    user: UiUser = Depends(officer),
) -> Response:
    # Parsed in memory (never spooled to a temporary file): the original must not touch a disk.
    upload = await read_upload(request)
    presented = request.headers.get("x-csrf-token") or upload.fields.get("csrf")
    if not csrf_matches(request.session, presented):
        raise UiDenied(403, tr(request)("The form expired. Reload the page and try again."))
    _case_exists(request, case_id)
    state = ui(request)
    data = upload.data
    del upload
    limits = HashLimits.from_settings(state.rt.settings)

    def store() -> int:
        with state.rt.db.session() as s:
            new_id = add_upload(s, case_id, data, user.principal.actor, limits).id
        state.rt.submit("retro", new_id)  # match it against every media seen before it
        return new_id

    try:
        # Hashing is CPU work: off the event loop. The bytes go out of scope when this returns.
        ref_id = await to_thread.run_sync(store)
    except ReferenceInputError as exc:
        flash(request, str(exc), "error")
    else:
        flash(request, tr(request)("Reference {id} added.", id=ref_id))
    return redirect(f"/cases/{case_id}")


@router.post(
    "/cases/{case_id}/references/hashes", include_in_schema=False, dependencies=[Depends(csrf)]
)
def paste_hashes(
    request: Request,
    case_id: int,
    algorithm: str = Form(),
    hashes: str = Form(max_length=5_000_000),
    user: UiUser = Depends(officer),
) -> Response:
    _case_exists(request, case_id)
    try:
        with ui(request).rt.db.session() as s:
            ref_id = add_hashes(s, case_id, algorithm, hashes, user.principal.actor).id
    except ReferenceInputError as exc:
        flash(request, str(exc), "error")
    else:
        ui(request).rt.submit("retro", ref_id)
        flash(request, tr(request)("Reference {id} added.", id=ref_id))
    return redirect(f"/cases/{case_id}")
