"""Victim-side hashing: an officer makes a one-time link; the page at that link (no login) hashes
files on the victim's device and posts only the hashes back.

``POST /api/v1/cases/{id}/intake-links`` (officer) answers ``{"url", "expires_at"}``.
``GET /intake/{token}/`` serves the page (and ``sw.js`` beside it keeps it for offline use); ``POST /intake/{token}/hashes`` takes a small JSON body
of hex hashes and nothing else: a multipart or any non-JSON body is refused (415), so is a body
larger than a list of hashes can be (413), and every field is a fixed-length hex string.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import Field, ValidationError

from takedown.accounts.roles import Principal
from takedown.exchange.intake import Item, LinkError, accept, create_link, open_link
from takedown.pipeline.runtime import Runtime
from takedown.store.tables import Case
from takedown.web.api.common import Out, Strict, get_or_404
from takedown.web.deps import officer, runtime
from takedown.web.ui.common import SECURITY_HEADERS

router = APIRouter(tags=["intake"])  # under /api/v1
public = APIRouter(tags=["intake"], include_in_schema=False)  # at the root, no login
MAX_BODY = 256 * 1024  # 500 files' hashes fit many times over; a photo does not
_HEX64 = r"^[0-9a-f]{64}$"
_TEMPLATES = Path(__file__).resolve().parents[1] / "ui" / "templates"
_WORKER = Path(__file__).resolve().parents[1] / "ui" / "static" / "intake" / "sw.js"
_env = Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape(["html"]))


class LinkOut(Out):
    url: str
    expires_at: datetime


class ItemIn(Strict):
    kind: Literal["image", "video"]
    sha256: str = Field(pattern=_HEX64)
    md5: str | None = Field(default=None, pattern=r"^[0-9a-f]{32}$")
    pdq: str | None = Field(default=None, pattern=_HEX64)
    quality: int | None = Field(default=None, ge=0, le=100)


class IntakeIn(Strict):
    items: list[ItemIn] = Field(min_length=1, max_length=500)


@router.post(
    "/cases/{case_id}/intake-links", status_code=status.HTTP_201_CREATED, response_model=LinkOut
)
def new_link(
    case_id: int, rt: Runtime = Depends(runtime), who: Principal = Depends(officer)
) -> LinkOut:
    with rt.db.session() as s:
        case = get_or_404(s, Case, case_id, "case")
        if case.erased_at is not None or case.status == "closed":
            raise HTTPException(status.HTTP_409_CONFLICT, "the case is closed")
        row, token = create_link(s, case, who.actor, rt.settings.intake_link_minutes)
        base = rt.settings.public_url.rstrip("/")
        return LinkOut(url=f"{base}/intake/{token}/", expires_at=row.expires_at)


def _refuse(exc: LinkError) -> HTTPException:
    code = status.HTTP_410_GONE if exc.gone else status.HTTP_403_FORBIDDEN
    return HTTPException(code, str(exc))


def _check(rt: Runtime, token: str) -> LinkError | None:
    try:
        with rt.db.session() as s:
            open_link(s, token)
    except LinkError as exc:
        return exc
    return None


@public.get("/intake/{token}")
def intake_bare(token: str, rt: Runtime = Depends(runtime)) -> Response:
    """The link without its final slash: the page lives at ``/intake/{token}/``."""
    problem = _check(rt, token)
    if problem is not None:
        raise _refuse(problem)
    return RedirectResponse(f"/intake/{token}/", status_code=status.HTTP_303_SEE_OTHER)


@public.get("/intake/{token}/", response_class=HTMLResponse)
def intake_page(token: str, rt: Runtime = Depends(runtime)) -> HTMLResponse:
    expires: datetime | None = None
    problem: LinkError | None = None
    try:
        with rt.db.session() as s:
            expires = open_link(s, token).expires_at
    except LinkError as exc:
        problem = exc
    page = _env.get_template("intake.html").render(
        problem=str(problem) if problem else None,
        expires_at=expires.strftime("%Y-%m-%d %H:%M UTC") if expires else "",
        center=rt.settings.center_name,
    )
    code = 200 if problem is None else (410 if problem.gone else 403)
    return HTMLResponse(page, status_code=code, headers=SECURITY_HEADERS)


@public.get("/intake/{token}/sw.js")
def intake_worker(token: str, rt: Runtime = Depends(runtime)) -> Response:
    """The page's service worker (scope: this link only): it keeps the page and its scripts so
    that the page opens and hashes again without a connection."""
    problem = _check(rt, token)
    if problem is not None:
        raise _refuse(problem)
    return Response(
        _WORKER.read_text("utf-8"),
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


@public.post("/intake/{token}/hashes", status_code=status.HTTP_201_CREATED)
async def intake_hashes(
    token: str, request: Request, rt: Runtime = Depends(runtime)
) -> dict[str, int]:
    """Hashes only: anything but a small JSON body of hex strings is refused, nothing is kept."""
    problem = _check(rt, token)  # an unknown, used or expired link reads no body at all
    if problem is not None:
        raise _refuse(problem)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "this link takes hashes (JSON) only, no files"
        )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "hashes only: the body is too large")
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY:
            raise HTTPException(
                status.HTTP_413_CONTENT_TOO_LARGE, "hashes only: the body is too large"
            )
    try:
        body = IntakeIn.model_validate(json.loads(raw))
    except (ValueError, ValidationError) as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"not a list of hashes: {exc}"
        ) from None
    del raw
    for item in body.items:
        if item.kind == "image" and item.pdq is None:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "a photo needs its PDQ hash")
    items = [Item(i.kind, i.sha256, i.md5, i.pdq, i.quality) for i in body.items]
    try:
        with rt.db.session() as s:
            ids = [r.id for r in accept(s, token, items)]
    except LinkError as exc:
        raise _refuse(exc) from None
    for ref_id in ids:
        rt.submit("retro", ref_id)  # match it against every media seen before it arrived
    return {"references": len(ids)}
