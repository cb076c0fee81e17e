"""The scheduler: runs the graph's periodic jobs of this process's lanes and the sweeper.

Huey's periodic tasks tick once a minute at most; sources may be polled every few seconds, so the
scheduler is a loop of its own. Several may run (one per worker process): every hand-over is a
conditional UPDATE, so no item is queued twice by two schedulers. Jobs only look up what is due
and hand it to a stage; the work itself runs in the stage's lane.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from datetime import timedelta
from functools import partial

from takedown.ops import beat
from takedown.pipeline.context import JobContext
from takedown.pipeline.graph import LANES, Job, work_of
from takedown.pipeline.runtime import Runtime
from takedown.pipeline.stage import sweep
from takedown.store.base import utcnow

log = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 15.0


def sweep_stages(rt: Runtime, lanes: tuple[str, ...] = LANES) -> int:
    """Hand back lost work of the stages in ``lanes`` (a dead worker, a lost task)."""
    lease = timedelta(seconds=rt.settings.lease_seconds)
    total = 0
    for cls in rt.graph.in_lanes(lanes):
        for item_id in sweep(rt.db, work_of(cls), lease, rt.queues.pending(cls.name)):
            rt.queues.enqueue(cls.name, item_id)
            total += 1
    if total:
        log.info("sweeper re-queued %d items", total)
    return total


def build_jobs(rt: Runtime, lanes: tuple[str, ...] = LANES) -> list[Job]:
    local = tuple(st.name for st in rt.graph.in_lanes(lanes))
    return [
        cls(
            JobContext(
                name=cls.name,
                settings=rt.settings,
                db=rt.db,
                send=partial(rt.handoff, cls.name),
                local_stages=local,
                pending=rt.queues.pending,
                stage_works={st.name: st.work for st in rt.graph.stages if st.work},
                services=rt.services,
            )
        )
        for cls in rt.graph.jobs
        if cls.lane in lanes
    ]


def run_job(rt: Runtime, name: str) -> object:
    """Run one job of the graph now, by name (tests and the command line)."""
    for job in build_jobs(rt):
        if job.name == name:
            return job.run(utcnow())
    raise KeyError(f"no job named {name!r}")


class Scheduler:
    """A daemon thread running this process's jobs at their intervals, and the sweeper."""

    def __init__(self, rt: Runtime, lanes: tuple[str, ...] = LANES) -> None:
        self.rt = rt
        self.lanes = lanes
        self.jobs = build_jobs(rt, lanes)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="takedown-scheduler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        settings = self.rt.settings
        every = [type(j).interval(settings) for j in self.jobs]
        last = [0.0] * len(self.jobs)
        last_sweep = last_beat = 0.0
        worker_id = f"{socket.gethostname()}:{os.getpid()}"
        while not self._stop.is_set():
            now = time.monotonic()
            if now - last_beat >= HEARTBEAT_SECONDS:
                last_beat = now
                try:  # /readyz tells each lane's workers alive from these
                    with self.rt.db.session() as s:
                        for lane in self.lanes:
                            beat(s, lane, worker_id)
                except Exception:
                    log.exception("heartbeat failed")
            for i, job in enumerate(self.jobs):
                if now - last[i] >= every[i]:
                    last[i] = now
                    try:
                        job.run(utcnow())
                    except Exception:
                        log.exception("scheduler job %s failed", job.name)
            if now - last_sweep >= settings.sweep_seconds:
                last_sweep = now
                try:
                    sweep_stages(self.rt, self.lanes)
                except Exception:
                    log.exception("sweeper failed")
            self._stop.wait(settings.scheduler_tick_seconds)
