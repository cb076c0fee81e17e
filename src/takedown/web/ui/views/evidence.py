"""The evidence viewer: the manifest and custody log, a verify button, and audited downloads."""

from __future__ import annotations

from anyio import to_thread
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select

from takedown.audit import Event, record
from takedown.evidence.custody import CustodyEntry, CustodyLog
from takedown.evidence.store import StoreError
from takedown.evidence.verify import VerifyReport, verify_evidence
from takedown.review.previews import ArtifactRef, PreviewError
from takedown.store.paging import Order, paginate
from takedown.store.tables import Artifact, Evidence
from takedown.web.api.queries import evidence_query
from takedown.web.ui.common import (
    UiDenied,
    csrf,
    officer,
    render,
    secure,
    tr,
    ui,
    viewer,
)
from takedown.web.ui.listing import pager_links, read_filters
from takedown.web.ui.session import UiUser

router = APIRouter()


@router.get("/evidence", include_in_schema=False)
def evidence_list(request: Request, user: UiUser = Depends(viewer)) -> Response:
    f = read_filters(request)
    query = evidence_query(case_id=f.case_id, age_days=f.age_days, q=f.q)
    with ui(request).rt.db.session() as s:
        rows, cursor = paginate(s, query, [Order(Evidence.id, True)], f.page)
    return render(
        request, "evidence_list.html", items=rows, f=f, pages=pager_links(request, cursor)
    )


def _load(request: Request, evidence_id: int) -> tuple[Evidence, list[Artifact]]:
    with ui(request).rt.db.session() as s:
        ev = s.get(Evidence, evidence_id)
        if ev is None:
            raise UiDenied(404, tr(request)("Not found."))
        arts = list(
            s.execute(
                select(Artifact).where(Artifact.evidence_id == evidence_id).order_by(Artifact.name)
            ).scalars()
        )
    return ev, arts


def _custody(request: Request, key: str) -> list[CustodyEntry]:
    try:
        return CustodyLog(ui(request).previews.store, key).entries()
    except (StoreError, ValueError):
        return []


def _page(request: Request, evidence_id: int, report: VerifyReport | None = None) -> Response:
    ev, arts = _load(request, evidence_id)
    return render(
        request,
        "evidence.html",
        evidence=ev,
        artifacts=arts,
        custody=_custody(request, ev.key),
        report=report,
    )


@router.get("/evidence/{evidence_id}", include_in_schema=False)
def evidence_page(request: Request, evidence_id: int, user: UiUser = Depends(viewer)) -> Response:
    return _page(request, evidence_id)


@router.post(
    "/evidence/{evidence_id}/verify", include_in_schema=False, dependencies=[Depends(csrf)]
)
async def verify(request: Request, evidence_id: int, user: UiUser = Depends(officer)) -> Response:
    state = ui(request)
    ev, _arts = _load(request, evidence_id)
    previews = state.previews
    report = await to_thread.run_sync(
        lambda: verify_evidence(previews.store, ev.key, vault=previews.vault)
    )
    with state.rt.db.session() as s:
        # With the vault key, verifying decrypts every encrypted artifact: that is a read.
        record(
            s,
            Event(
                "evidence.verify",
                user.principal.actor,
                "evidence",
                evidence_id,
                {"ok": report.ok, "problems": len(report.problems), "decrypted": report.decrypted},
            ),
        )
    return _page(request, evidence_id, report)


@router.get("/evidence/{evidence_id}/artifacts/{artifact_id}", include_in_schema=False)
def download(
    request: Request,
    evidence_id: int,
    artifact_id: int,
    user: UiUser = Depends(officer),
) -> Response:
    state = ui(request)
    ev, arts = _load(request, evidence_id)
    art = next((a for a in arts if a.id == artifact_id), None)
    if art is None:
        raise UiDenied(404, tr(request)("Not found."))
    try:
        data = state.previews.read(
            ArtifactRef(ev.key, art.name, art.kind, art.media_type, art.encrypted)
        ).data
    except PreviewError as exc:
        raise UiDenied(404, str(exc)) from exc
    with state.rt.db.session() as s:
        record(
            s,
            Event(
                "evidence.download",
                user.principal.actor,
                "artifact",
                art.id,
                {"evidence": ev.key, "name": art.name, "sha256": art.sha256},
            ),
        )
    filename = f"{ev.key}-{art.name.replace('/', '_')}"
    return secure(
        Response(
            data,
            media_type="application/octet-stream",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    )
