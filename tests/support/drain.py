"""Run queued pipeline tasks in the test's own thread until every queue is empty: deterministic."""

from __future__ import annotations

from collections.abc import Collection

from takedown.pipeline.runtime import Runtime
from takedown.pipeline.scheduler import run_job


def drain(rt: Runtime, skip: Collection[str] = (), limit: int = 2000) -> list[str]:
    """Execute tasks, upstream stages first, until none is left; `skip` drops tasks by stage."""
    done: list[str] = []
    order = rt.graph.names()
    for _ in range(limit):
        got = rt.queues.dequeue_any(order)
        if got is None:
            return done
        stage, task = got
        if stage in skip:
            continue
        rt.queues.huey[stage].execute(task)
        done.append(stage)
    raise AssertionError(f"the queues did not empty after {limit} tasks: {done[-10:]}")


def poll_now(rt: Runtime, skip: Collection[str] = ()) -> list[str]:
    """Make every source due, wake them and run the pipeline to rest."""
    from sqlalchemy import update

    from takedown.store.base import utcnow
    from takedown.store.tables import Source

    with rt.db.session() as s:
        s.execute(update(Source).where(Source.state == "idle").values(next_poll_at=utcnow()))
    run_job(rt, "wake_sources")
    return drain(rt, skip)


def fail_captures(rt: Runtime) -> None:
    """Mark every pending capture failed (a test that runs no browser): drafting, which waits
    for each detection's evidence, then goes on as it does after a real failed capture."""
    from sqlalchemy import update

    from takedown.store.tables import Evidence

    with rt.db.session() as s:
        s.execute(
            update(Evidence)
            .where(Evidence.state == "pending")
            .values(state="failed", error="not captured in this test")
        )
