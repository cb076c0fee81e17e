"""A pipeline stage: a work-item table, its ready and working states, and the function that runs it.

Tasks carry only an item id. The database says whether the item still needs the work: a task
claims the item with one conditional UPDATE, so duplicate or late deliveries do nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, select, update

from takedown.store.base import WorkItem, utcnow

if TYPE_CHECKING:
    from takedown.pipeline.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Stage:
    name: str
    model: type[WorkItem]
    ready: str
    working: str
    run: Callable[[Runtime, int], None]
    max_attempts: int = 5
    priority: int = 0
    failed: str = "failed"


def claim(rt: Runtime, stage: Stage, item_id: int) -> bool:
    model = stage.model
    with rt.db.session() as s:
        result = s.execute(
            update(model)
            .where(model.id == item_id, model.state == stage.ready)  # type: ignore[attr-defined]
            .values(state=stage.working, state_changed_at=utcnow(), attempts=model.attempts + 1)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def execute(rt: Runtime, stage: Stage, item_id: int) -> None:
    """Run one item through `stage`; errors are recorded on the item, never raised to the worker."""
    if not claim(rt, stage, item_id):
        return
    try:
        stage.run(rt, item_id)
    except Exception as exc:  # a broken item must never take a worker down
        log.exception("stage %s failed on item %s", stage.name, item_id)
        with rt.db.session() as s:
            item = s.get(stage.model, item_id)
            if item is None:
                return
            item.error = f"{type(exc).__name__}: {exc}"[:2000]
            # Back to the queue through the sweeper (which waits out the lease) until attempts run out.
            item.state = stage.ready if item.attempts < stage.max_attempts else stage.failed
            item.state_changed_at = utcnow()


def wake(rt: Runtime, stage: Stage, waiting: str, *due: ColumnElement[bool]) -> list[int]:
    """Hand items from `waiting` (and matching `due`) to `stage`'s queue, each exactly once:
    the conditional UPDATE makes two schedulers running side by side harmless."""
    model = stage.model
    now = utcnow()
    with rt.db.session() as s:
        ids = list(s.execute(select(model.id).where(model.state == waiting, *due)).scalars())  # type: ignore[attr-defined]
        woken = []
        for item_id in ids:
            res = s.execute(
                update(model)
                .where(model.id == item_id, model.state == waiting)  # type: ignore[attr-defined]
                .values(state=stage.ready, state_changed_at=now)
            )
            if res.rowcount:  # type: ignore[attr-defined]
                woken.append(item_id)
    for item_id in woken:
        rt.enqueue(stage.name, item_id)
    return woken


def sweep(rt: Runtime, stage: Stage, lease: timedelta) -> list[int]:
    """Hand back items that sat in the working or ready state longer than `lease`."""
    model = stage.model
    cutoff = utcnow() - lease
    with rt.db.session() as s:
        ids = list(
            s.execute(
                select(model.id).where(  # type: ignore[attr-defined]
                    model.state.in_([stage.working, stage.ready]),
                    model.state_changed_at < cutoff,
                )
            ).scalars()
        )
        if ids:
            s.execute(
                update(model)
                .where(model.id.in_(ids))  # type: ignore[attr-defined]
                .values(state=stage.ready, state_changed_at=utcnow())
            )
    return ids
