"""POST /match: is this file one of the references? Nothing is stored (for partner platforms too)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool

from takedown.accounts.roles import Principal
from takedown.matching.hashing import hash_media
from takedown.media.errors import MediaError
from takedown.pipeline import services
from takedown.pipeline.runtime import Runtime
from takedown.web.api.common import Out
from takedown.web.api.uploads import read_upload
from takedown.web.deps import runtime, viewer
from takedown.web.hashgate import check_image_budget, gate

router = APIRouter(tags=["matching"])


class MatchOut(Out):
    case_id: int
    reference_id: int
    algorithm: str
    distance: float
    confidence: float


@router.post("/match", response_model=list[MatchOut])
async def match(
    request: Request, rt: Runtime = Depends(runtime), _: Principal = Depends(viewer)
) -> list[MatchOut]:
    settings = rt.settings
    upload = await read_upload(request, limit=settings.max_match_bytes)
    raw = upload.fields.get("case_id")
    try:
        case_id = int(raw) if raw else None
    except ValueError as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "case_id must be a number"
        ) from exc
    check_image_budget(upload.data, settings.max_decode_bytes)
    async with gate(request).slot():
        try:
            hashes = await run_in_threadpool(hash_media, upload.data, services.hash_limits(rt))
        except MediaError as exc:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, f"cannot hash the file: {exc}"
            ) from exc
        matcher = services.matcher(rt)
        data = upload.data

        def match() -> list[Any]:
            # The refresh reads the database: with the match, off the event loop.
            return matcher.refresh().match(hashes, case_id=case_id, data=data)

        found = await run_in_threadpool(match)
    return [
        MatchOut(
            case_id=r.case_id,
            reference_id=r.reference_id,
            algorithm=r.algorithm,
            distance=r.distance,
            confidence=r.confidence,
        )
        for r in found
    ]
