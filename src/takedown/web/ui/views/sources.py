"""Sources: add, edit and pause; each one's last poll and last error."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.review.sources import SourceRefused, add_source, change_source
from takedown.store.tables import Source
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
from takedown.web.ui.session import UiUser

router = APIRouter()
KINDS = ("feed", "page", "sitemap", "search")
RENDERS = ("http", "browser")


@router.get("/sources", include_in_schema=False)
def source_list(request: Request, user: UiUser = Depends(viewer)) -> Response:
    with ui(request).rt.db.session() as s:
        rows = list(
            s.execute(select(Source).where(Source.deleted.is_(False)).order_by(Source.id)).scalars()
        )
    return render(request, "sources.html", sources=rows, kinds=KINDS, renders=RENDERS)


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
            add_source(s, body.model_dump(), user.principal.actor, rt.services.guard)
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
