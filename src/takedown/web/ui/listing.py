"""Filters, search and cursor paging for the UI's lists, read from the page's query string.

The queries themselves are the API's (:mod:`takedown.web.api.queries`) and so is the paging
(:func:`takedown.store.paging.paginate`); this module only reads a form's fields leniently (a
bad number is ignored, not an error page) and builds the next page's link.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from takedown.store.paging import PageParams

PAGE_SIZE = 50
AGES = (1, 7, 30, 90)  # "newer than N days" choices offered in the filter bar


def _int(raw: str | None) -> int | None:
    try:
        return int(raw) if raw not in (None, "") else None
    except ValueError:
        return None


def _float(raw: str | None) -> float | None:
    try:
        return float(raw) if raw not in (None, "") else None
    except ValueError:
        return None


def _text(raw: str | None, limit: int = 200) -> str | None:
    value = (raw or "").strip()[:limit]
    return value or None


@dataclass(frozen=True)
class Filters:
    """What an officer asked a list for; every field is optional."""

    case_id: int | None = None
    site: str | None = None
    status: str | None = None
    kind: str | None = None
    age_days: int | None = None
    min_priority: float | None = None
    language: str | None = None
    q: str | None = None
    cursor: str | None = None

    @property
    def page(self) -> PageParams:
        return PageParams(PAGE_SIZE, self.cursor)

    @property
    def active(self) -> bool:
        return any(
            v is not None
            for v in (
                self.case_id,
                self.site,
                self.status,
                self.kind,
                self.age_days,
                self.min_priority,
                self.language,
                self.q,
            )
        )


def read_filters(request: Request, allowed_status: tuple[str, ...] = ()) -> Filters:
    """The filters of the request's query string; a status outside `allowed_status` is dropped."""
    p = request.query_params
    status = _text(p.get("status"), 20)
    age = _int(p.get("age"))
    cursor = _text(p.get("cursor"), 500)
    return Filters(
        case_id=_int(p.get("case")),
        site=_text(p.get("site")),
        status=status if status in allowed_status else None,
        kind=_text(p.get("kind"), 20),
        age_days=age if age is not None and age > 0 else None,
        min_priority=_float(p.get("priority")),
        language=_text(p.get("language"), 10),
        q=_text(p.get("q")),
        cursor=cursor,
    )


def next_link(request: Request, cursor: str | None) -> str | None:
    """The URL of the next page (same filters, the new cursor), or None on the last page."""
    if cursor is None:
        return None
    url = request.url.include_query_params(cursor=cursor)
    return f"{url.path}?{url.query}"


def this_page(request: Request, **changes: str) -> str:
    """The path and query of the request (with `changes`; "" removes one and the cursor goes),
    to come back to after a form's POST or to link to a variant of the list."""
    url = request.url
    if changes:
        url = url.remove_query_params(["cursor", *changes])
        url = url.include_query_params(**{k: v for k, v in changes.items() if v})
    return f"{url.path}?{url.query}" if url.query else url.path


def safe_back(target: str, default: str) -> str:
    """A same-site path to redirect to (never another origin)."""
    return target if target.startswith("/") and not target.startswith("//") else default


@dataclass(frozen=True)
class Pager:
    next_url: str | None
    first_url: str | None  # back to the first page, when not on it


def pager_links(request: Request, cursor: str | None) -> Pager:
    """The links of the pager macro."""
    first = None
    if request.query_params.get("cursor"):
        url = request.url.remove_query_params("cursor")
        first = f"{url.path}?{url.query}" if url.query else url.path
    return Pager(next_link(request, cursor), first)
