"""Reference intake: an original is hashed in memory and discarded; or only its hashes arrive."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.accounts.roles import Principal
from takedown.pipeline.runtime import Runtime
from takedown.review.references import ReferenceInputError, add_hash_list, add_upload
from takedown.store.tables import Case, Reference
from takedown.web.api.common import Out, Strict, get_or_404
from takedown.web.api.uploads import read_upload
from takedown.web.deps import db_session, officer, runtime, viewer
from takedown.web.hashgate import check_image_budget, gate

router = APIRouter(prefix="/cases/{case_id}/references", tags=["references"])


class HashIntake(Strict):
    algorithm: Literal["pdq", "vpdq", "sha256", "md5"]
    hashes: list[str] = Field(min_length=1, max_length=100_000)


class ReferenceOut(Out):
    id: int
    case_id: int
    kind: str
    origin: str
    sha256: str | None
    hashes: dict[str, Any]
    created_at: datetime


def summary(h: dict[str, Any]) -> dict[str, Any]:
    """What the API shows of a reference's hashes (descriptors stay inside)."""
    pdq = h.get("pdq") or []
    return {
        "sha256": h.get("sha256"),
        "md5": h.get("md5"),
        "pdq": pdq[0][0] if pdq else None,
        "pdq_quality": pdq[0][1] if pdq else None,
        "pdq_variants": len(pdq),
        "vpdq_frames": len(h.get("vpdq") or []),
        "local_features": bool(h.get("features")),
    }


def _out(ref: Reference) -> ReferenceOut:
    return ReferenceOut(
        id=ref.id,
        case_id=ref.case_id,
        kind=ref.kind,
        origin=ref.origin,
        sha256=ref.sha256,
        hashes=summary(ref.hashes),
        created_at=ref.created_at,
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ReferenceOut)
async def upload_reference(
    case_id: int,
    request: Request,
    rt: Runtime = Depends(runtime),
    who: Principal = Depends(officer),
) -> ReferenceOut:
    with rt.db.session() as s:
        get_or_404(s, Case, case_id, "case")
    upload = await read_upload(request, limit=rt.settings.max_upload_bytes)
    data = upload.data
    del upload  # the original's bytes go no further than this request

    def intake() -> ReferenceOut:
        with rt.db.session() as s:
            out = _out(add_upload(s, case_id, data, who.actor, rt.services.hash_limits))
        rt.submit("retro", out.id)  # match it against every media seen before it arrived
        return out

    check_image_budget(data, rt.settings.max_decode_bytes)
    async with gate(request).slot():
        try:
            return await run_in_threadpool(intake)  # hashing is CPU work: off the event loop
        except ReferenceInputError as exc:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, f"cannot hash the file: {exc}"
            ) from exc


@router.post("/hashes", status_code=status.HTTP_201_CREATED, response_model=list[ReferenceOut])
def hash_intake(
    case_id: int,
    body: HashIntake,
    rt: Runtime = Depends(runtime),
    who: Principal = Depends(officer),
) -> list[ReferenceOut]:
    """Hash-only intake: PDQ, vPDQ, SHA-256 or MD5 computed on the victim's own device.

    PDQ, SHA-256 and MD5 make one reference per hash; vPDQ lines are the frames of one video.
    """
    with rt.db.session() as s:
        get_or_404(s, Case, case_id, "case")
        try:
            refs = add_hash_list(s, case_id, body.algorithm, body.hashes, who.actor)
        except ReferenceInputError as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
        out = [_out(r) for r in refs]
    for ref in out:
        rt.submit("retro", ref.id)  # match it against every media seen before it arrived
    return out


@router.get("", response_model=list[ReferenceOut])
def list_references(
    case_id: int, s: Session = Depends(db_session), _: Principal = Depends(viewer)
) -> list[ReferenceOut]:
    get_or_404(s, Case, case_id, "case")
    rows = s.execute(select(Reference).where(Reference.case_id == case_id).order_by(Reference.id))
    return [_out(r) for r in rows.scalars()]
