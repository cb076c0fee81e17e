"""The scheduler: wakes due sources and, every sweep interval, hands back lost work.

Huey's periodic tasks tick once a minute at most; sources may be polled every few seconds, so the
scheduler is a loop of its own. Several may run (one per worker process): every hand-over is a
conditional UPDATE, so no item is queued twice by two schedulers.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from takedown.pipeline.stage import sweep, wake
from takedown.pipeline.wiring import periodic_jobs
from takedown.store.base import utcnow
from takedown.store.tables import Source

if TYPE_CHECKING:
    from takedown.pipeline.runtime import Runtime

log = logging.getLogger(__name__)


def wake_due_sources(rt: Runtime) -> list[int]:
    now = utcnow()
    return wake(
        rt,
        rt.stages["poll"],
        "idle",
        Source.paused.is_(False),
        Source.deleted.is_(False),
        Source.next_poll_at <= now,
    )


def sweep_all(rt: Runtime) -> int:
    lease = timedelta(seconds=rt.settings.lease_seconds)
    total = 0
    for stage in rt.stages.values():
        for item_id in sweep(rt, stage, lease):
            rt.enqueue(stage.name, item_id)
            total += 1
    if total:
        log.info("sweeper re-queued %d items", total)
    return total


class Scheduler:
    """A daemon thread running the periodic jobs; `jobs` are (interval seconds, function)."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="takedown-scheduler", daemon=True)
        tick = rt.settings.scheduler_tick_seconds
        self.jobs: list[tuple[float, Callable[[Runtime], object]]] = [
            (tick, wake_due_sources),
            (float(rt.settings.sweep_seconds), sweep_all),
            *periodic_jobs(rt),
        ]

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        last = [0.0] * len(self.jobs)
        tick = self.rt.settings.scheduler_tick_seconds
        while not self._stop.is_set():
            now = time.monotonic()
            for i, (interval, job) in enumerate(self.jobs):
                if now - last[i] >= interval:
                    last[i] = now
                    try:
                        job(self.rt)
                    except Exception:
                        log.exception("scheduler job %s failed", getattr(job, "__name__", job))
            self._stop.wait(tick)
