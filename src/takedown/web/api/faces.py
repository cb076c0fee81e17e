"""Reference faces of a case: a photo is turned into an embedding within the request and dropped."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.accounts.roles import Principal
from takedown.pipeline import evidence as ev_store
from takedown.pipeline.runtime import Runtime
from takedown.review.faces import FaceInputError, add_face
from takedown.store.tables import Case, CaseFace
from takedown.web.api.common import Out, get_or_404
from takedown.web.api.uploads import read_upload
from takedown.web.deps import db_session, officer, runtime, viewer

router = APIRouter(prefix="/cases/{case_id}/faces", tags=["references"])


class FaceOut(Out):
    id: int
    case_id: int
    model_name: str
    model_version: str
    created_at: datetime


@router.post("", status_code=status.HTTP_201_CREATED, response_model=FaceOut)
async def add_reference_face(
    case_id: int,
    request: Request,
    rt: Runtime = Depends(runtime),
    who: Principal = Depends(officer),
) -> FaceOut:
    """A photo of the person, for "same person" candidates. Needs the triage extra."""
    with rt.db.session() as s:
        get_or_404(s, Case, case_id, "case")
    upload = await read_upload(request)
    photo = upload.data
    del upload

    def intake() -> FaceOut:
        with rt.db.session() as s:
            return FaceOut.model_validate(
                add_face(s, ev_store.vault(rt), case_id, photo, who.actor)
            )

    try:
        return await run_in_threadpool(intake)
    except FaceInputError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc


@router.get("", response_model=list[FaceOut])
def list_reference_faces(
    case_id: int, s: Session = Depends(db_session), _: Principal = Depends(viewer)
) -> list[CaseFace]:
    get_or_404(s, Case, case_id, "case")
    return list(s.execute(select(CaseFace).where(CaseFace.case_id == case_id)).scalars())
