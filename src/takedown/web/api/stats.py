"""GET /stats: counts and timings, overall and per site."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from takedown import stats
from takedown.accounts.roles import Principal
from takedown.web.deps import db_session, viewer

router = APIRouter(tags=["stats"])


@router.get("/stats")
def get_stats(s: Session = Depends(db_session), _: Principal = Depends(viewer)) -> dict[str, Any]:
    return stats.compute(s)
