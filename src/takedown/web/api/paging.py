"""Cursor paging for every list: keyset on the sort columns and the id, an opaque cursor, and
the next page in a `Link: <...>; rel="next"` header while the body stays a JSON array."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from fastapi import HTTPException, Query, Request, Response, status
from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute, Session

DEFAULT_LIMIT = 500
MAX_LIMIT = 10_000

T = TypeVar("T")


@dataclass(frozen=True)
class Order:
    """One sort column; the last Order of a list is always the row's unique id."""

    column: InstrumentedAttribute[Any]
    descending: bool = False

    @property
    def name(self) -> str:
        return str(self.column.key)


@dataclass(frozen=True)
class PageParams:
    limit: int
    cursor: str | None


def page_params(
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="rows per page"),
    cursor: str | None = Query(None, max_length=500, description="from a Link rel=next header"),
) -> PageParams:
    return PageParams(limit, cursor)


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"t"}:
        return datetime.fromisoformat(str(value["t"]))
    if value is None or isinstance(value, int | float | str | bool):
        return value
    raise ValueError("bad cursor value")


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps([_encode_value(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, width: int) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != width:
            raise ValueError("wrong width")
        return [_decode_value(v) for v in values]
    except (ValueError, binascii.Error, TypeError) as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "invalid cursor") from exc


def _after(orders: Sequence[Order], values: Sequence[Any]) -> Any:
    """Rows strictly after `values` in the order: (a > x) or (a = x and b > y) or ..."""
    terms = []
    for i, order in enumerate(orders):
        col, value = order.column, values[i]
        step = col < value if order.descending else col > value
        terms.append(and_(*(o.column == v for o, v in zip(orders[:i], values, strict=False)), step))
    return or_(*terms)


def paginate(
    s: Session, q: Select[T], orders: Sequence[Order], params: PageParams
) -> tuple[list[T], str | None]:
    """One page of `q` (a select of one ORM entity) and the cursor of the next, if any."""
    if params.cursor:
        q = q.where(_after(orders, decode_cursor(params.cursor, len(orders))))
    q = q.order_by(*(o.column.desc() if o.descending else o.column for o in orders))
    rows = list(s.execute(q.limit(params.limit + 1)).scalars())
    if len(rows) <= params.limit:
        return rows, None
    rows = rows[: params.limit]
    return rows, encode_cursor([getattr(rows[-1], o.name) for o in orders])


def link_next(request: Request, response: Response, cursor: str | None) -> None:
    """Put the next page's URL (same filters, new cursor) in the Link header."""
    if cursor is not None:
        url = request.url.include_query_params(cursor=cursor)
        response.headers["Link"] = f'<{url}>; rel="next"'


def since_age(since: datetime | None, age_days: int | None, now: datetime) -> datetime | None:
    """The later of an explicit `since` and `now - age_days`."""
    if age_days is None:
        return since
    limit = now - timedelta(days=age_days)
    return limit if since is None or since < limit else since
