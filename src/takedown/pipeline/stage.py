"""Running one item through a stage: claim it, run it, record what went wrong.

Tasks carry only an item id. The database says whether the item still needs the work: a task
claims the item with one conditional UPDATE, so duplicate or late deliveries do nothing. A stage
that raises on one item records the error on that item; the item is retried with backoff, then
parked in the stage's visible failed state with its reason, and the worker goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select, update

from takedown.pipeline.graph import Stage, Work
from takedown.store.base import utcnow
from takedown.store.db import Database

log = logging.getLogger(__name__)
RETRY_BASE_SECONDS = 5.0
# Enqueue (stage, item id, priority, delay seconds or None).
Requeue = Callable[[str, int, float, float | None], None]


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
            .where(model.id == item_id, work.column("state") == work.ready)
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
    db: Database, stage: Stage, item_id: int, requeue: Requeue, lease_seconds: float
) -> None:
    """Run one item through ``stage``; errors are recorded on the item, never raised."""
    work = stage.work
    if work is None:
        try:
            stage.run(item_id)
        except Exception:  # a plain task is issued again by its job; the worker goes on
            log.exception("task %s failed on %s", stage.name, item_id)
        return
    if not claim(db, work, item_id):
        return
    try:
        stage.run(item_id)
    except Exception as exc:  # a broken item must never take a worker down
        log.exception("stage %s failed on item %s", stage.name, item_id)
        retry = _failed(db, work, item_id, f"{type(exc).__name__}: {exc}")
        if retry is not None:
            requeue(stage.name, item_id, 0.0, backoff(retry, lease_seconds))


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
