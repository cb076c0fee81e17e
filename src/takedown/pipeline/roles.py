"""Running the roles: workers (Huey consumer threads plus the scheduler), and their clean stop."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

import faiss
from huey.consumer import Consumer

from takedown.pipeline.runtime import Runtime
from takedown.pipeline.scheduler import Scheduler
from takedown.pipeline.stages.triage import enabled as triage_enabled

log = logging.getLogger(__name__)


class _QuietConsumer(Consumer):  # type: ignore[misc]
    """Huey's consumer without its own signal handlers: the process decides how to stop."""

    def _set_signal_handlers(self) -> None:
        return None


class Workers:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.consumer = _QuietConsumer(
            rt.huey,
            workers=rt.settings.workers,
            worker_type="thread",
            periodic=False,
            max_delay=1.0,
            check_worker_health=True,
            shutdown_timeout=30,
        )
        self.triage: _QuietConsumer | None = None
        if triage_enabled(rt):
            self.triage = _QuietConsumer(
                rt.triage_huey,
                workers=1,
                worker_type="thread",
                periodic=False,
                max_delay=2.0,
                shutdown_timeout=30,
            )
        self.scheduler = Scheduler(rt)

    def start(self) -> None:
        # Measured: on small machines FAISS's own threads slow searches 2-4x; workers run in parallel.
        faiss.omp_set_num_threads(1)
        self.consumer.start()
        if self.triage is not None:
            self.triage.start()
        self.scheduler.start()
        log.info(
            "workers started: %d threads, stages %s",
            self.rt.settings.workers,
            ", ".join(self.rt.stages),
        )

    def stop(self) -> None:
        """Stop taking work, let running tasks finish; queued tasks stay in the queue."""
        self.scheduler.stop()
        self.consumer.stop(graceful=True)
        if self.triage is not None:
            self.triage.stop(graceful=True)


def wait_for_signal() -> None:
    """Block until SIGTERM or SIGINT."""
    stop = threading.Event()

    def handler(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s, stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    while not stop.is_set():
        stop.wait(1.0)
