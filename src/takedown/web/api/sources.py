"""Sources: what the monitor polls, how often, and how it renders."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from pydantic import Field, field_validator, model_validator
from sqlalchemy.orm import Session

from takedown.accounts.roles import Principal
from takedown.audit import Event, record
from takedown.pipeline.runtime import Runtime
from takedown.review.sources import SourceRefused, add_source, change_source, split_fields
from takedown.sources.cookies import seal_json
from takedown.sources.network import check_proxy
from takedown.sources.steps import StepError, parse_steps, secret_names, steps_to_json
from takedown.store.tables import Case, Source
from takedown.web.api.common import Out, Strict, get_or_404
from takedown.web.api.paging import Order, PageParams, link_next, page_params, paginate
from takedown.web.api.queries import sources_query
from takedown.web.deps import db_session, officer, runtime, viewer

router = APIRouter(prefix="/sources", tags=["sources"])

Kind = Literal["feed", "page", "sitemap", "search", "telegram", "websearch"]
TEMPLATED = ("search", "websearch")
# Per-source settings kept in Source.options (none of them secret but a proxy's password).


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("url must be an absolute http(s) URL")
    return url


def _check_steps(value: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    if value is None:
        return None
    try:
        return steps_to_json(parse_steps(value))
    except StepError as exc:
        raise ValueError(str(exc)) from None


def _check_proxy(value: str | None) -> str | None:
    return check_proxy(value) if value else None


class _Network(Strict):
    """Per-source network settings and browser steps, overriding the global ones."""

    proxy: str | None = Field(default=None, max_length=500)
    user_agent: str | None = Field(default=None, max_length=500)
    locale: str | None = Field(default=None, max_length=35)
    rate: float | None = Field(default=None, gt=0, le=100)
    steps: list[dict[str, Any]] | None = Field(default=None, max_length=30)
    logged_out: str | None = Field(default=None, max_length=2000)
    # Seen posts older than this are fetched again; handed over only when they changed.
    refetch_seconds: int | None = Field(default=None, ge=60, le=365 * 86400)
    # Write-only: what {secret:NAME} in the steps stands for; sealed, never shown or logged.
    secrets: dict[str, str] | None = Field(default=None, max_length=20)

    _steps = field_validator("steps")(_check_steps)
    _proxy = field_validator("proxy")(_check_proxy)

    @model_validator(mode="after")
    def _secrets_named(self) -> _Network:
        if self.steps:
            missing = secret_names(parse_steps(self.steps)) - set(self.secrets or {})
            if missing and self.secrets is not None:
                raise ValueError(f"steps name secrets that are not given: {sorted(missing)}")
        return self


class SourceIn(_Network):
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
        if self.kind in TEMPLATED and "{keyword}" not in self.url:
            raise ValueError(f"a {self.kind} source's url must contain {{keyword}}")
        return self


class SourcePatch(_Network):
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
    options: dict[str, Any]
    gated: bool
    secret_names: list[str]
    has_session: bool


def source_out(src: Source, names: list[str]) -> SourceOut:
    """The source as shown: secrets by name only, cookies never."""
    options = dict(src.options or {})
    fields = {name: getattr(src, name) for name in SourceOut.model_fields if hasattr(src, name)}
    fields.update(
        options=options,
        secret_names=names,
        has_session=src.cookies_sealed is not None,
    )
    return SourceOut.model_validate(fields)


def _secret_names(src: Source, rt: Runtime) -> list[str]:
    if not src.secrets_sealed:
        return []
    from takedown.sources.cookies import unseal_json

    try:
        opened = unseal_json(rt.services.vault, src.id, "secrets", src.secrets_sealed) or {}
    except ValueError:
        return ["(sealed with another key)"]
    return sorted(str(name) for name in dict(opened))


def _seal_secrets(src: Source, secrets: dict[str, str] | None, rt: Runtime) -> None:
    if secrets is None:
        return
    src.secrets_sealed = (
        seal_json(rt.services.vault, src.id, "secrets", dict(secrets)) if secrets else None
    )
    src.cookies_sealed = None  # new credentials: the next poll logs in afresh


@router.post("", status_code=status.HTTP_201_CREATED, response_model=SourceOut)
def create_source(
    body: SourceIn,
    s: Session = Depends(db_session),
    rt: Runtime = Depends(runtime),
    who: Principal = Depends(officer),
) -> SourceOut:
    if body.case_id is not None and s.get(Case, body.case_id) is None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"case {body.case_id} not found")
    fields = split_fields(body.model_dump())
    try:
        src = add_source(s, fields, who.actor, rt.services.guard)
    except SourceRefused as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    _seal_secrets(src, body.secrets, rt)
    return source_out(src, sorted(body.secrets or {}))


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
    rt: Runtime = Depends(runtime),
    _: Principal = Depends(viewer),
) -> list[SourceOut]:
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
    return [source_out(row, _secret_names(row, rt)) for row in rows]


@router.get("/{source_id}", response_model=SourceOut)
def get_source(
    source_id: int,
    s: Session = Depends(db_session),
    rt: Runtime = Depends(runtime),
    _: Principal = Depends(viewer),
) -> SourceOut:
    src = get_or_404(s, Source, source_id, "source")
    return source_out(src, _secret_names(src, rt))


@router.patch("/{source_id}", response_model=SourceOut)
def update_source(
    source_id: int,
    body: SourcePatch,
    s: Session = Depends(db_session),
    rt: Runtime = Depends(runtime),
    who: Principal = Depends(officer),
) -> SourceOut:
    src = get_or_404(s, Source, source_id, "source")
    given = body.model_dump(exclude_unset=True)
    secrets_given = "secrets" in given
    secrets = given.pop("secrets", None)
    changes = split_fields(given, dict(src.options or {}))
    changes = {k: v for k, v in changes.items() if v is not None or k == "options"}
    change_source(s, src, changes, who.actor)
    if secrets_given:
        _seal_secrets(src, secrets or {}, rt)
        # Audited by name only: the values never reach a log or the API.
        record(
            s,
            Event("source.secrets", who.actor, "source", src.id, {"names": sorted(secrets or {})}),
        )
    return source_out(src, _secret_names(src, rt))


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
