"""Keyset paging for every list: the rows after an opaque cursor in the order of the sort
columns and the id, so that page 20 costs what page 1 costs (an index range scan from the
cursor on, never an OFFSET that reads and drops the pages before).

Neutral: the API (:mod:`takedown.web.api.paging` adds the ``Link`` header and the query
parameters), the review UI and the review queue page their queries here.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute, Session

T = TypeVar("T")


class CursorError(ValueError):
    """A cursor that this code did not hand out (or for another list)."""


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
    """The sort values of the last row of the previous page; CursorError when it is not one."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != width:
            raise ValueError("wrong width")
        return [_decode_value(v) for v in values]
    except (ValueError, binascii.Error, TypeError) as exc:
        raise CursorError("invalid cursor") from exc


def after(orders: Sequence[Order], values: Sequence[Any]) -> Any:
    """Rows strictly after ``values`` in the order.

    ``a >= x AND ((a > x) OR (a = x AND b > y) OR ...)`` (``<=`` / ``<`` for a descending
    column): the first condition bounds an index range scan on the leading sort column (an index
    on the sort columns starts right at the cursor); the rest drops the rows of the cursor's
    own value that came before it.
    """
    terms = []
    for i, order in enumerate(orders):
        col, value = order.column, values[i]
        step = col < value if order.descending else col > value
        terms.append(and_(*(o.column == v for o, v in zip(orders[:i], values, strict=False)), step))
    lead, first = orders[0], values[0]
    bound = lead.column <= first if lead.descending else lead.column >= first
    return and_(bound, or_(*terms)) if len(orders) > 1 else terms[0]


def paginate(
    s: Session, q: Select[T], orders: Sequence[Order], params: PageParams
) -> tuple[list[T], str | None]:
    """One page of `q` (a select of one ORM entity) and the cursor of the next, if any."""
    if params.cursor:
        q = q.where(after(orders, decode_cursor(params.cursor, len(orders))))
    q = q.order_by(*(o.column.desc() if o.descending else o.column for o in orders))
    rows = list(s.execute(q.limit(params.limit + 1)).scalars())
    if len(rows) <= params.limit:
        return rows, None
    rows = rows[: params.limit]
    return rows, encode_cursor([getattr(rows[-1], o.name) for o in orders])


def since_age(since: datetime | None, age_days: int | None, now: datetime) -> datetime | None:
    """The later of an explicit `since` and `now - age_days`."""
    if age_days is None:
        return since
    limit = now - timedelta(days=age_days)
    return limit if since is None or since < limit else since
