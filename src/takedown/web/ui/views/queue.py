"""The review queue, blurred thumbnails, and the audited, time-limited reveal of one image."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from takedown.audit import Event, record
from takedown.review.previews import ArtifactRef, PreviewError
from takedown.review.queue import review_queue
from takedown.store.tables import Artifact, Evidence
from takedown.web.ui.common import (
    UiDenied,
    csrf,
    language,
    officer,
    render,
    secure,
    tr,
    ui,
    viewer,
)
from takedown.web.ui.i18n import translator
from takedown.web.ui.session import UiUser

router = APIRouter()


@router.get("/queue", include_in_schema=False)
def queue_page(request: Request, user: UiUser = Depends(viewer)) -> Response:
    with ui(request).rt.db.session() as s:
        entries = review_queue(s)
    return render(request, "queue.html", entries=entries)


def _ref(request: Request, artifact_id: int) -> ArtifactRef:
    with ui(request).rt.db.session() as s:
        art = s.get(Artifact, artifact_id)
        ev = s.get(Evidence, art.evidence_id) if art is not None else None
        if art is None or ev is None:
            raise UiDenied(404, tr(request)("Not found."))
        return ArtifactRef(ev.key, art.name, art.kind, art.media_type, art.encrypted)


@router.get("/thumbs/{artifact_id}", include_in_schema=False)
def thumbnail(request: Request, artifact_id: int, user: UiUser = Depends(viewer)) -> Response:
    try:
        preview = ui(request).previews.thumbnail(_ref(request, artifact_id))
    except PreviewError as exc:
        raise UiDenied(404, str(exc)) from exc
    return secure(Response(preview.data, media_type="image/png"))


@router.post("/reveal/{artifact_id}", include_in_schema=False, dependencies=[Depends(csrf)])
def reveal(request: Request, artifact_id: int, user: UiUser = Depends(officer)) -> Response:
    state = ui(request)
    _ = translator(language(request))
    if not state.rt.settings.reveal_allowed:
        raise UiDenied(403, _("Revealing images is turned off in this installation."))
    ref = _ref(request, artifact_id)
    try:
        preview = state.previews.reveal(ref)
    except PreviewError as exc:
        return secure(JSONResponse({"detail": str(exc)}, status_code=422))
    with state.rt.db.session() as s:
        record(
            s,
            Event(
                "media.reveal",
                user.principal.actor,
                "artifact",
                artifact_id,
                {"evidence": ref.evidence_key, "name": ref.name},
            ),
        )
    # A data: URI in a POST response: the full image never has a URL the browser could cache.
    return secure(
        JSONResponse(
            {"src": preview.data_uri(), "seconds": state.rt.settings.reveal_seconds},
        )
    )
