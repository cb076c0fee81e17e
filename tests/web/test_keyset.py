"""Keyset paging (takedown.store.paging): every row once across pages, ties in the sort column
included, and a deep page read from the composite index at the cursor (no sort of the table),
on SQLite and on PostgreSQL."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, insert, select, text

from takedown.pipeline.runtime import Runtime
from takedown.store.paging import CursorError, Order, PageParams, decode_cursor, paginate
from takedown.store.tables import Notice

ORDER = [Order(Notice.priority, True), Order(Notice.id)]


def _seed(rt: Runtime, n: int) -> None:
    with rt.db.session() as s:
        s.execute(
            insert(Notice),
            [
                {
                    "site": f"site{i % 7}.test",
                    "to": ["abuse@example.test"],
                    "status": "sent" if i % 3 else "draft",
                    "priority": (i * 37 % 11) / 10,  # eleven values: many ties
                    "subject": f"Request {i}",
                    "body": "zorblat",
                }
                for i in range(n)
            ],
        )
    with rt.db.engine.begin() as conn:
        conn.execute(text("ANALYZE"))


def test_pages_cover_every_row_once_in_order_with_ties(runtime: Runtime) -> None:
    _seed(runtime, 230)
    with runtime.db.session() as s:
        want = [
            n.id
            for n in s.execute(
                select(Notice).where(Notice.status == "sent").order_by(*_sql_order())
            ).scalars()
        ]
        got: list[int] = []
        cursor = None
        pages = 0
        while True:
            rows, cursor = paginate(
                s, select(Notice).where(Notice.status == "sent"), ORDER, PageParams(17, cursor)
            )
            got += [n.id for n in rows]
            pages += 1
            if cursor is None:
                break
    assert got == want and len(set(got)) == len(got) and pages == -(-len(want) // 17)
    with pytest.raises(CursorError):
        decode_cursor("bm90IGEgY3Vyc29y", 2)


def _sql_order() -> list[object]:
    return [Notice.priority.desc(), Notice.id]


def _plan(rt: Runtime, cursor: str, status: str | None) -> str:
    """The query plan of the page after ``cursor``."""
    captured: list[tuple[str, object]] = []

    def grab(_c: object, _cur: object, stmt: str, params: object, *_: object) -> None:
        captured.append((stmt, params))

    event.listen(rt.db.engine, "before_cursor_execute", grab)
    try:
        with rt.db.session() as s:
            q = select(Notice)
            if status:
                q = q.where(Notice.status == status)
            paginate(s, q, ORDER, PageParams(50, cursor))
    finally:
        event.remove(rt.db.engine, "before_cursor_execute", grab)
    stmt, params = next((st, p) for st, p in captured if "FROM notices" in st)
    with rt.db.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        cur = raw.cursor()
        explain = "EXPLAIN QUERY PLAN " if rt.db.dialect == "sqlite" else "EXPLAIN "
        cur.execute(explain + stmt, params)
        return "\n".join(str(r[-1] if rt.db.dialect == "sqlite" else r[0]) for r in cur.fetchall())


@pytest.mark.parametrize("status", [None, "sent"])
def test_a_deep_page_starts_at_the_cursor_in_the_index(
    runtime: Runtime, status: str | None
) -> None:
    _seed(runtime, 3000)
    with runtime.db.session() as s:
        cursor = None
        q = select(Notice).where(Notice.status == status) if status else select(Notice)
        for _ in range(20):
            _, cursor = paginate(s, q, ORDER, PageParams(50, cursor))
    assert cursor is not None
    plan = _plan(runtime, cursor, status)
    index = "ix_notices_status_priority_id" if status else "ix_notices_priority_id"
    assert index in plan, plan
    # ... starting at the cursor: the priority bound is an index condition, not a filter.
    assert re.search(r"Index Cond: .*priority <=|USING INDEX \w+ \(.*priority<", plan), plan
    # Read in index order from the cursor on: no sort of the matching rows.
    assert "TEMP B-TREE FOR ORDER BY" not in plan and "Sort" not in plan, plan
