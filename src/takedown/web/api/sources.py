"""Sources: what the monitor polls, how often, and how it renders."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, HTTPException, Response, status
from pydantic import Field, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.accounts.roles import Principal
from takedown.audit import Event, record
from takedown.pipeline import services
from takedown.pipeline.runtime import Runtime
from takedown.review.sources import SourceRefused, add_source, change_source
from takedown.store.tables import Source
from takedown.web.api.common import Out, Strict, get_or_404
from takedown.web.deps import db_session, officer, runtime, viewer

router = APIRouter(prefix="/sources", tags=["sources"])

Kind = Literal["feed", "page", "sitemap", "search"]


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("url must be an absolute http(s) URL")
    return url


class SourceIn(Strict):
    url: str = Field(min_length=8, max_length=2000)
    kind: Kind
    interval_seconds: int = Field(ge=1, le=30 * 86400)
    render: Literal["http", "browser"] = "http"
    keywords: list[str] = Field(default_factory=list, max_length=200)
    language: str | None = Field(default=None, max_length=20)
    max_depth: int = Field(default=1, ge=0, le=5)

    _url = field_validator("url")(_check_url)

    @model_validator(mode="after")
    def _search_template(self) -> SourceIn:
        if self.kind == "search" and "{keyword}" not in self.url:
            raise ValueError("a search source's url must contain {keyword}")
        return self


class SourcePatch(Strict):
    interval_seconds: int | None = Field(default=None, ge=1, le=30 * 86400)
    render: Literal["http", "browser"] | None = None
    keywords: list[str] | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, max_length=20)
    max_depth: int | None = Field(default=None, ge=0, le=5)
    paused: bool | None = None


class SourceOut(Out):
    id: int
    url: str
    kind: str
    interval_seconds: int
    render: str
    keywords: list[str]
    language: str | None
    max_depth: int
    paused: bool
    state: str
    created_at: datetime
    last_polled_at: datetime | None
    last_error: str | None
    next_poll_at: datetime
    polls: int


@router.post("", status_code=status.HTTP_201_CREATED, response_model=SourceOut)
def create_source(
    body: SourceIn,
    s: Session = Depends(db_session),
    rt: Runtime = Depends(runtime),
    who: Principal = Depends(officer),
) -> Source:
    try:
        return add_source(s, body.model_dump(), who.actor, services.guard(rt))
    except SourceRefused as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, str(exc)) from exc


@router.get("", response_model=list[SourceOut])
def list_sources(s: Session = Depends(db_session), _: Principal = Depends(viewer)) -> list[Source]:
    return list(
        s.execute(select(Source).where(Source.deleted.is_(False)).order_by(Source.id)).scalars()
    )


@router.get("/{source_id}", response_model=SourceOut)
def get_source(
    source_id: int, s: Session = Depends(db_session), _: Principal = Depends(viewer)
) -> Source:
    return get_or_404(s, Source, source_id, "source")


@router.patch("/{source_id}", response_model=SourceOut)
def update_source(
    source_id: int,
    body: SourcePatch,
    s: Session = Depends(db_session),
    who: Principal = Depends(officer),
) -> Source:
    src = get_or_404(s, Source, source_id, "source")
    change_source(s, src, body.model_dump(exclude_unset=True, exclude_none=True), who.actor)
    return src


@router.delete("/{source_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_source(
    source_id: int, s: Session = Depends(db_session), who: Principal = Depends(officer)
) -> Response:
    src = get_or_404(s, Source, source_id, "source")
    # Kept as a row: pages, detections and evidence still point at it.
    src.deleted = True
    src.paused = True
    record(s, Event("source.delete", who.actor, "source", src.id, {"url": src.url}))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
