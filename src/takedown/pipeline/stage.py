"""Running one item through a stage: claim it, run it, record what went wrong.

Tasks carry only an item id (for a plain stage, the id of the task's journal row, which names
the item). The database says whether the item still needs the work: a task claims the item with
one conditional UPDATE, so duplicate or late deliveries do nothing, and its lease is renewed
while it runs (:mod:`takedown.pipeline.lease`). A stage
that raises on one item records the error on that item; the item is retried with backoff, then
parked in the stage's visible failed state with its reason, and the worker goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import nullcontext
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update

from takedown.pipeline.graph import Stage, Work, work_of
from takedown.pipeline.lease import Leases
from takedown.store.base import utcnow
from takedown.store.db import Database
from takedown.store.tables.tasks import StageTask

log = logging.getLogger(__name__)
RETRY_BASE_SECONDS = 5.0
# Enqueue (stage, item id, priority, delay seconds or None).
Requeue = Callable[[str, int, float, float | None], None]


class Defer(Exception):  # noqa: N818  (not an error: a stage declining an item for now)
    """Raised by a stage that cannot take the item now (its resource is busy): the item goes back
    to ready, the attempt is not counted, and it is queued again after ``seconds``."""

    def __init__(self, seconds: float, priority: float = 0.0) -> None:
        super().__init__(f"deferred for {seconds:g} s")
        self.seconds = seconds
        self.priority = priority


def backoff(attempt: int, lease_seconds: float) -> float:
    """Seconds before a failed item is tried again: doubling, capped below the lease (so the
    sweeper never hands the item back before its retry is due)."""
    return float(min(lease_seconds / 2, RETRY_BASE_SECONDS * 2 ** max(0, attempt - 1)))


def _scope(work: Work) -> list[ColumnElement[bool]]:
    return [work.where()] if work.where is not None else []


def claim(db: Database, work: Work, item_id: int) -> bool:
    model = work.model
    with db.session() as s:
        result = s.execute(
            update(model)
            .where(model.id == item_id, work.column("state") == work.ready, *_scope(work))
            .values(
                {
                    work.state: work.working,
                    work.changed: utcnow(),
                    work.attempts: work.column("attempts") + 1,
                }
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def execute(
    db: Database,
    stage: Stage,
    task_id: int,
    requeue: Requeue,
    lease_seconds: float,
    leases: Leases | None = None,
) -> None:
    """Run one task through ``stage``; errors are recorded on the item, never raised.

    ``task_id`` is the item's id for a stage with its own work table; for a plain stage it is
    the id of the task's journal row (:func:`journal`), which names the item.
    """
    work = work_of(stage)
    if not claim(db, work, task_id):
        return
    item_id = task_id if stage.work is not None else _journaled_item(db, task_id)
    if item_id is None:
        return
    try:
        with leases.held(work, task_id) if leases is not None else nullcontext():
            stage.run(item_id)
    except Defer as later:
        _unclaim(db, work, task_id)
        requeue(stage.name, task_id, later.priority, later.seconds)
        return
    except Exception as exc:  # a broken item must never take a worker down
        log.exception("stage %s failed on item %s", stage.name, item_id)
        retry = _failed(db, work, task_id, f"{type(exc).__name__}: {exc}")
        if retry is not None:
            requeue(stage.name, task_id, 0.0, backoff(retry, lease_seconds))
        return
    if stage.work is None:
        with db.session() as s:  # the task has run: its journal row, and old failures, go
            s.execute(
                delete(StageTask).where(
                    or_(
                        StageTask.id == task_id,
                        and_(
                            StageTask.stage == stage.name,
                            StageTask.item_id == item_id,
                            StageTask.state == "failed",
                        ),
                    )
                )
            )


def journal(db: Database, stage: str, item_id: int, priority: float) -> int | None:
    """Write the journal row of a plain task; returns its id to queue, or None when a task for
    the same item already waits (it will see the item as it is when it runs). A parked failure
    of the same item is tried again from its first attempt."""
    with db.session() as s:
        rows = (
            s.execute(
                select(StageTask).where(
                    StageTask.stage == stage,
                    StageTask.item_id == item_id,
                    StageTask.state.in_(["ready", "failed"]),
                )
            )
            .scalars()
            .all()
        )
        if any(r.state == "ready" for r in rows):
            return None
        if rows:
            row = rows[0]
            row.state, row.attempts, row.state_changed_at = "ready", 0, utcnow()
            row.priority = priority
        else:
            row = StageTask(stage=stage, item_id=item_id, priority=priority, state="ready")
            s.add(row)
        s.flush()
        return int(row.id)


def _journaled_item(db: Database, task_id: int) -> int | None:
    with db.session() as s:
        row = s.get(StageTask, task_id)
        return None if row is None else int(row.item_id)


def _unclaim(db: Database, work: Work, item_id: int) -> None:
    """Give a claimed item back to ready, its attempt not counted."""
    with db.session() as s:
        s.execute(
            update(work.model)
            .where(work.model.id == item_id, work.column("state") == work.working)
            .values(
                {
                    work.state: work.ready,
                    work.changed: utcnow(),
                    work.attempts: work.column("attempts") - 1,
                }
            )
        )


def _failed(db: Database, work: Work, item_id: int, reason: str) -> int | None:
    """Record the error; returns the attempt number when the item will be tried again."""
    with db.session() as s:
        item = s.get(work.model, item_id)
        if item is None:
            return None
        setattr(item, work.error, reason[:2000])
        attempts: int = getattr(item, work.attempts)
        again = attempts < work.max_attempts
        setattr(item, work.state, work.ready if again else work.failed)
        setattr(item, work.changed, utcnow())
        return attempts if again else None


def wake(
    db: Database,
    work: Work,
    waiting: str,
    *due: ColumnElement[bool],
    values: dict[str, Any] | None = None,
) -> list[int]:
    """Move items from ``waiting`` (and matching ``due``) to the stage's ready state, each
    exactly once: the conditional UPDATE makes two schedulers side by side harmless. Returns
    the ids to hand to the stage."""
    model = work.model
    now = utcnow()
    state = work.column("state")
    with db.session() as s:
        ids = list(
            s.execute(select(model.id).where(state == waiting, *_scope(work), *due)).scalars()
        )
        woken = []
        for item_id in ids:
            res = s.execute(
                update(model)
                .where(model.id == item_id, state == waiting)
                .values({work.state: work.ready, work.changed: now, **(values or {})})
            )
            if res.rowcount:  # type: ignore[attr-defined]
                woken.append(item_id)
    return woken


def sweep(db: Database, work: Work, lease: timedelta, queued: int) -> list[int]:
    """Items to hand back to the stage: those in the working state past their lease (a worker
    died), and ready items older than the lease beyond the ``queued`` tasks still waiting in
    the stage's queue (their task was lost). A long backlog is thus never queued twice."""
    model = work.model
    cutoff = utcnow() - lease
    state, changed = work.column("state"), work.column("changed")
    with db.session() as s:
        stuck = list(
            s.execute(
                select(model.id).where(state == work.working, changed < cutoff, *_scope(work))
            ).scalars()
        )
        ready = int(
            s.execute(
                select(func.count()).select_from(model).where(state == work.ready, *_scope(work))
            ).scalar_one()
        )
        lost: list[int] = []
        if ready > queued:
            lost = list(
                s.execute(
                    select(model.id)
                    .where(state == work.ready, changed < cutoff, *_scope(work))
                    .order_by(changed)
                    .limit(ready - queued)
                ).scalars()
            )
        ids = stuck + lost
        if ids:
            s.execute(
                update(model)
                .where(model.id.in_(ids), state.in_([work.working, work.ready]))
                .values({work.state: work.ready, work.changed: utcnow()})
            )
    return ids
