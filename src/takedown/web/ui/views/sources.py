"""Sources: add, edit and pause; each one's last poll and last error."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from takedown.review import bulk
from takedown.review.sources import SourceRefused, add_source, change_source, split_fields
from takedown.store.paging import Order, paginate
from takedown.store.tables import Source
from takedown.web.api.queries import sources_query
from takedown.web.api.sources import SourceIn, SourcePatch
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
from takedown.web.ui.listing import pager_links, read_filters, safe_back, this_page
from takedown.web.ui.session import UiUser

router = APIRouter()
KINDS = ("feed", "page", "sitemap", "search")
RENDERS = ("http", "browser")


STATES = ("active", "paused", "failing")


@router.get("/sources", include_in_schema=False)
def source_list(request: Request, user: UiUser = Depends(viewer)) -> Response:
    f = read_filters(request, STATES)
    query = sources_query(
        case_id=f.case_id,
        kind=f.kind if f.kind in KINDS else None,
        paused={"active": False, "paused": True}.get(f.status or ""),
        failing=True if f.status == "failing" else None,
        language=f.language,
        q=f.q or f.site,
    )
    with ui(request).rt.db.session() as s:
        rows, cursor = paginate(s, query, [Order(Source.id)], f.page)
    return render(
        request,
        "sources.html",
        sources=rows,
        kinds=KINDS,
        renders=RENDERS,
        states=STATES,
        f=f,
        here=this_page(request),
        pages=pager_links(request, cursor),
    )


@router.post("/sources/bulk-pause", include_in_schema=False, dependencies=[Depends(csrf)])
def bulk_pause(
    request: Request,
    ids: list[int] = Form([]),
    paused: bool = Form(True),
    back: str = Form("/sources", max_length=2000),
    user: UiUser = Depends(officer),
) -> Response:
    """Pause (or resume) every selected source, or none if one is gone."""
    _ = tr(request)
    target = safe_back(back, "/sources")
    if not ids:
        flash(request, _("Select at least one source."), "error")
        return redirect(target)
    try:
        with ui(request).rt.db.session() as s:
            done = bulk.pause_all(s, ids, user.principal.actor, paused)
    except bulk.BulkRefusedError as exc:
        reasons = "; ".join(f"#{i}: {', '.join(r)}" for i, r in sorted(exc.problems.items()))
        flash(request, _("Nothing was changed. {reasons}", reasons=reasons), "error")
        return redirect(target)
    except ValueError as exc:
        flash(request, str(exc), "error")
        return redirect(target)
    message = (
        _("{n} sources paused.", n=len(done)) if paused else _("{n} sources resumed.", n=len(done))
    )
    flash(request, message)
    return redirect(target)


@router.post("/sources", include_in_schema=False, dependencies=[Depends(csrf)])
def create_source(
    request: Request,
    url: str = Form(""),
    kind: str = Form("page"),
    interval_seconds: int = Form(3600),
    render_mode: str = Form("http", alias="render"),
    keywords: str = Form(""),
    language_code: str = Form("", alias="language"),
    max_depth: int = Form(1),
    user: UiUser = Depends(officer),
) -> Response:
    try:
        body = SourceIn.model_validate(
            {
                "url": url,
                "kind": kind,
                "interval_seconds": interval_seconds,
                "render": render_mode,
                "keywords": split_lines(keywords),
                "language": language_code or None,
                "max_depth": max_depth,
            }
        )
    except ValidationError as exc:
        flash(request, form_errors(exc), "error")
        return redirect("/sources")
    rt = ui(request).rt
    try:
        with rt.db.session() as s:
            add_source(s, split_fields(body.model_dump()), user.principal.actor, rt.services.guard)
    except SourceRefused as exc:
        flash(request, str(exc), "error")
    return redirect("/sources")


def _get(s: Session, request: Request, source_id: int) -> Source:
    row = s.get(Source, source_id)
    if row is None or row.deleted:
        raise UiDenied(404, tr(request)("Not found."))
    return row


@router.get("/sources/{source_id}", include_in_schema=False)
def source_page(request: Request, source_id: int, user: UiUser = Depends(viewer)) -> Response:
    with ui(request).rt.db.session() as s:
        src = _get(s, request, source_id)
    return render(request, "source.html", source=src, kinds=KINDS, renders=RENDERS)


def _apply(request: Request, source_id: int, user: UiUser, changes: dict[str, object]) -> None:
    with ui(request).rt.db.session() as s:
        change_source(s, _get(s, request, source_id), changes, user.principal.actor)


@router.post("/sources/{source_id}", include_in_schema=False, dependencies=[Depends(csrf)])
def update_source(
    request: Request,
    source_id: int,
    interval_seconds: int = Form(3600),
    render_mode: str = Form("http", alias="render"),
    keywords: str = Form(""),
    language_code: str = Form("", alias="language"),
    max_depth: int = Form(1),
    user: UiUser = Depends(officer),
) -> Response:
    try:
        body = SourcePatch.model_validate(
            {
                "interval_seconds": interval_seconds,
                "render": render_mode,
                "keywords": split_lines(keywords),
                "language": language_code or None,
                "max_depth": max_depth,
            }
        )
    except ValidationError as exc:
        flash(request, form_errors(exc), "error")
        return redirect(f"/sources/{source_id}")
    changes = body.model_dump(exclude_unset=True)
    _apply(request, source_id, user, changes)
    flash(request, tr(request)("Saved."))
    return redirect(f"/sources/{source_id}")


@router.post("/sources/{source_id}/pause", include_in_schema=False, dependencies=[Depends(csrf)])
def pause_source(
    request: Request,
    source_id: int,
    paused: bool = Form(),
    user: UiUser = Depends(officer),
) -> Response:
    _apply(request, source_id, user, {"paused": paused})
    return redirect("/sources")
