"""The review queue (filtered, searched, paged by cursor; bulk approval with one confirmation),
blurred thumbnails, and the audited, time-limited, daily-capped reveal of one image."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, Response

from takedown.audit import Event, record
from takedown.review import bulk
from takedown.review.notices import WorkflowError
from takedown.review.previews import ArtifactRef, PreviewError
from takedown.review.queue import decidable_from_preview, queue_page, with_detection_kind
from takedown.review.wellbeing import reveal_budget
from takedown.store.tables import Artifact, Evidence
from takedown.web.api.queries import notices_query
from takedown.web.ui.common import (
    UiDenied,
    csrf,
    flash,
    language,
    officer,
    redirect,
    render,
    secure,
    tr,
    ui,
    viewer,
)
from takedown.web.ui.i18n import translator
from takedown.web.ui.listing import pager_links, read_filters, safe_back, this_page
from takedown.web.ui.session import UiUser

router = APIRouter()
DETECTION_KINDS = ("image", "video", "text")


@router.get("/queue", include_in_schema=False)
def queue_view(request: Request, user: UiUser = Depends(viewer)) -> Response:
    f = read_filters(request)
    kind = f.kind if f.kind in DETECTION_KINDS else None
    query = notices_query(
        status="draft",
        case_id=f.case_id,
        site=f.site,
        language=f.language,
        min_priority=f.min_priority,
        age_days=f.age_days,
        q=f.q,
    )
    settings = ui(request).rt.settings
    confirm_above = settings.preview_approval_confidence
    preview_only = request.query_params.get("preview") == "1"
    query = with_detection_kind(query, kind)
    if preview_only:
        query = decidable_from_preview(query, confirm_above)
    with ui(request).rt.db.session() as s:
        entries, cursor = queue_page(s, query, f.page, confirm_above)
    return render(
        request,
        "queue.html",
        entries=entries,
        f=f,
        kinds=DETECTION_KINDS,
        preview_only=preview_only,
        preview_link=this_page(request, preview="" if preview_only else "1"),
        here=this_page(request),
        pages=pager_links(request, cursor),
    )


@router.post("/queue/bulk-approve", include_in_schema=False, dependencies=[Depends(csrf)])
def bulk_approve(
    request: Request,
    ids: list[int] = Form([]),
    back: str = Form("/queue", max_length=2000),
    user: UiUser = Depends(officer),
) -> Response:
    """Approve every selected draft or none: the same checks as a single approval, all first."""
    _ = tr(request)
    target = safe_back(back, "/queue")
    if not ids:
        flash(request, _("Select at least one draft."), "error")
        return redirect(target)
    try:
        done = bulk.approve_all(ui(request).rt, ids, user.principal)
    except bulk.BulkRefusedError as exc:
        reasons = "; ".join(f"#{i}: {', '.join(r)}" for i, r in sorted(exc.problems.items()))
        flash(request, _("Nothing was approved or sent. {reasons}", reasons=reasons), "error")
        return redirect(target)
    except (ValueError, WorkflowError) as exc:
        flash(request, str(exc), "error")
        return redirect(target)
    flash(request, _("{n} requests approved; they are being sent.", n=len(done)))
    return redirect(target)


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
    settings = state.rt.settings
    _ = translator(language(request))
    if not settings.reveal_allowed:
        raise UiDenied(403, _("Revealing images is turned off in this installation."))
    with state.rt.db.session() as s:
        budget = reveal_budget(
            s, user.principal.actor, settings.reveal_daily_cap, settings.timezone
        )
    if budget.exhausted:
        message = _(
            "Today's limit of {cap} full views is reached; decide from the blurred preview.",
            cap=budget.cap,
        )
        return secure(JSONResponse({"detail": message}, status_code=429))
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
    left = budget.left - 1 if budget.left is not None else None
    # A data: URI in a POST response: the full image never has a URL the browser could cache.
    return secure(
        JSONResponse(
            {"src": preview.data_uri(), "seconds": settings.reveal_seconds, "left": left},
        )
    )
