"""Run queued pipeline tasks in the test's own thread until the queue is empty: deterministic."""

from __future__ import annotations

from collections.abc import Collection

from takedown.pipeline.runtime import Runtime
from takedown.pipeline.scheduler import wake_due_sources


def drain(rt: Runtime, skip: Collection[str] = (), limit: int = 2000) -> list[str]:
    """Execute tasks (main and triage queues) until none is left; `skip` drops tasks by name."""
    done: list[str] = []
    for _ in range(limit):
        task = rt.huey.dequeue() or rt.triage_huey.dequeue()
        if task is None:
            return done
        name = task.name.rsplit(".", 1)[-1]
        if name in skip:
            continue
        huey = rt.huey if name != "triage" else rt.triage_huey
        huey.execute(task)
        done.append(name)
    raise AssertionError(f"the queue did not empty after {limit} tasks: {done[-10:]}")


def poll_now(rt: Runtime, skip: Collection[str] = ()) -> list[str]:
    """Make every source due, wake them and run the pipeline to rest."""
    from sqlalchemy import update

    from takedown.store.base import utcnow
    from takedown.store.tables import Source

    with rt.db.session() as s:
        s.execute(update(Source).where(Source.state == "idle").values(next_poll_at=utcnow()))
    wake_due_sources(rt)
    return drain(rt, skip)
