"""A source is due ``interval`` after its poll started, not after it ended: a poll that fetched a
wave of new pages does not push the next one back (polls stay within twice their interval)."""

from __future__ import annotations

from datetime import timedelta

from takedown.pipeline.runtime import Runtime
from takedown.pipeline.stages.poll import MIN_POLL_GAP, finish
from takedown.store.base import utcnow
from takedown.store.tables import Source


def _source(rt: Runtime) -> int:
    with rt.db.session() as s:
        src = Source(url="http://127.0.0.1:9/", kind="page", interval_seconds=5, state="polling")
        s.add(src)
        s.flush()
        return src.id


def _due_in(rt: Runtime, source_id: int) -> float:
    with rt.db.session() as s:
        src = s.get(Source, source_id)
        assert src is not None
        return (src.next_poll_at - utcnow()).total_seconds()


def test_the_next_poll_counts_from_the_start_of_this_one(runtime: Runtime) -> None:
    sid = _source(runtime)
    finish(runtime.db, sid, None, None, started=utcnow() - timedelta(seconds=4))
    assert 0.5 < _due_in(runtime, sid) < 1.5  # 5 s after a start 4 s ago, not 5 s from now
    finish(runtime.db, sid, None, None, started=utcnow() - timedelta(seconds=30))
    gap = MIN_POLL_GAP.total_seconds()
    assert gap - 0.5 < _due_in(runtime, sid) <= gap  # a poll longer than its interval: a breath
    finish(runtime.db, sid, "HTTP 503", None, failed=True, started=utcnow())
    assert _due_in(runtime, sid) > 5  # a failing source backs off from now
