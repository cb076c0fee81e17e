"""Sources: what the monitor polls, how often, and how it renders."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from pydantic import Field, field_validator, model_validator
from sqlalchemy.orm import Session

from takedown.accounts.roles import Principal
from takedown.audit import Event, record
from takedown.pipeline.runtime import Runtime
from takedown.review.sources import SourceRefused, add_source, change_source
from takedown.store.tables import Case, Source
from takedown.web.api.common import Out, Strict, get_or_404
from takedown.web.api.paging import Order, PageParams, link_next, page_params, paginate
from takedown.web.api.queries import sources_query
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
    case_id: int | None = None

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
    case_id: int | None
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
    if body.case_id is not None and s.get(Case, body.case_id) is None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"case {body.case_id} not found")
    try:
        return add_source(s, body.model_dump(), who.actor, rt.services.guard)
    except SourceRefused as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc


@router.get("", response_model=list[SourceOut])
def list_sources(
    request: Request,
    response: Response,
    case_id: int | None = None,
    kind: str | None = None,
    paused: bool | None = None,
    state: str | None = None,
    language: str | None = None,
    failing: bool | None = None,
    q: str | None = None,
    page: PageParams = Depends(page_params),
    s: Session = Depends(db_session),
    _: Principal = Depends(viewer),
) -> list[Source]:
    """Sources by id; `q` searches the URL (and so the host)."""
    query = sources_query(
        case_id=case_id,
        kind=kind,
        paused=paused,
        state=state,
        language=language,
        failing=failing,
        q=q,
    )
    rows, cursor = paginate(s, query, [Order(Source.id)], page)
    link_next(request, response, cursor)
    return rows


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
