"""The task queues: one per stage, kept per lane in SQLite under TAKEDOWN_HOME or on Redis.

A stage's queue is its own (``takedown.<stage>``), so its backlog never stands in front of another
stage's work; priorities order the work inside one queue (Huey: higher first).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from huey import Huey, PriorityRedisHuey, SqliteHuey

from takedown.config import Settings


def make_huey(settings: Settings, lane: str, name: str) -> Huey:
    url = settings.queue_url
    if url.startswith(("redis://", "rediss://", "unix://")):
        # The priority variant: plain RedisHuey refuses a task with a priority (matches first).
        huey: Huey = PriorityRedisHuey(name, url=url, results=False, utc=True)
    elif url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path = path.with_name(f"{path.stem}-{lane}{path.suffix or '.db'}")
        path.parent.mkdir(parents=True, exist_ok=True)
        huey = SqliteHuey(name, filename=str(path), results=False, utc=True, timeout=30)
    else:
        raise ValueError(f"TAKEDOWN_QUEUE_URL must be sqlite:///PATH or redis://...; got {url!r}")
    return huey


class Queues:
    """A Huey queue and one task per stage; `enqueue` is the only way onto them."""

    def __init__(self, settings: Settings, lanes: dict[str, str]) -> None:
        self.single = settings.pipeline_single_queue
        if self.single:
            # The design before lanes, kept as the benchmark's baseline: one FIFO for everything.
            shared = make_huey(settings, "all", "takedown")
            self.huey: dict[str, Huey] = dict.fromkeys(lanes, shared)
        else:
            self.huey = {
                stage: make_huey(settings, lane, f"takedown.{stage}")
                for stage, lane in lanes.items()
            }
        self._tasks: dict[str, Any] = {}
        # One wake-up per queue: a task enqueued in this process wakes the queue's idle
        # workers at once instead of at their next poll (other processes still poll).
        self._wakes: dict[int, threading.Event] = {}
        for huey in self.huey.values():
            self._wakes.setdefault(id(huey), threading.Event())

    def wake(self, stage: str) -> threading.Event:
        """Set whenever a task is put on ``stage``'s queue by this process."""
        return self._wakes[id(self.huey[stage])]

    def bind(self, stage: str, run: Callable[[int], None]) -> None:
        run.__name__ = stage
        self._tasks[stage] = self.huey[stage].task(name=stage)(run)

    def enqueue(
        self, stage: str, item_id: int, priority: float = 0.0, delay: float | None = None
    ) -> None:
        task = self._tasks[stage]
        p = round(priority)
        if delay:
            task.schedule(args=(item_id,), delay=delay, priority=p)
        else:
            task(item_id, priority=p)
            self.wake(stage).set()

    def dequeue_any_task(self) -> Any:
        return next(iter(self.huey.values())).dequeue()

    def pending(self, stage: str) -> int:
        count: Any = self.huey[stage].pending_count()
        return int(count)

    def dequeue_any(self, order: list[str]) -> tuple[str, Any] | None:
        """The next task of the first stage in ``order`` that has one (tests run them inline)."""
        if self.single:
            task = self.dequeue_any_task()
            return None if task is None else (task.name.rsplit(".", 1)[-1], task)
        for stage in order:
            task = self.huey[stage].dequeue()
            if task is not None:
                return stage, task
        return None
