"""The HTTP side of cursor paging: the ``limit`` and ``cursor`` query parameters, a bad cursor as
400, and the next page in a `Link: <...>; rel="next"` header while the body stays a JSON array.
The paging itself is :mod:`takedown.store.paging`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from fastapi import HTTPException, Query, Request, Response, status
from sqlalchemy import Select
from sqlalchemy.orm import Session

from takedown.store import paging
from takedown.store.paging import CursorError, Order, PageParams

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "Order",
    "PageParams",
    "link_next",
    "page_params",
    "paginate",
]

DEFAULT_LIMIT = 500
MAX_LIMIT = 10_000

T = TypeVar("T")


def page_params(
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="rows per page"),
    cursor: str | None = Query(None, max_length=500, description="from a Link rel=next header"),
) -> PageParams:
    return PageParams(limit, cursor)


def paginate(
    s: Session, q: Select[T], orders: Sequence[Order], params: PageParams
) -> tuple[list[T], str | None]:
    """:func:`takedown.store.paging.paginate`, a bad cursor answered 400."""
    try:
        return paging.paginate(s, q, orders, params)
    except CursorError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "invalid cursor") from exc


def link_next(request: Request, response: Response, cursor: str | None) -> None:
    """Put the next page's URL (same filters, new cursor) in the Link header."""
    if cursor is not None:
        url = request.url.include_query_params(cursor=cursor)
        response.headers["Link"] = f'<{url}>; rel="next"'
