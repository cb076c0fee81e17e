"""Running the lanes: one Huey consumer per stage of the chosen lanes, plus the scheduler."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

import faiss
from huey import Huey
from huey.consumer import Consumer

from takedown.pipeline.graph import LANES
from takedown.pipeline.runtime import Runtime
from takedown.pipeline.scheduler import Scheduler

log = logging.getLogger(__name__)


class _QuietConsumer(Consumer):  # type: ignore[misc]
    """Huey's consumer without its own signal handlers: the process decides how to stop."""

    def _set_signal_handlers(self) -> None:
        return None


class Workers:
    """The worker pools of ``lanes`` in this process: each stage has its own."""

    def __init__(self, rt: Runtime, lanes: tuple[str, ...] = LANES) -> None:
        unknown = set(lanes) - set(LANES)
        if unknown:
            raise ValueError(f"unknown lane(s) {sorted(unknown)}; lanes are {', '.join(LANES)}")
        self.rt = rt
        self.lanes = lanes
        self.consumers: dict[str, _QuietConsumer] = {}
        if rt.queues.single:  # the baseline design: one queue, one small pool for every stage
            self.consumers["all"] = self._consumer(
                rt.queues.huey[rt.graph.names()[0]], rt.settings.single_queue_workers
            )
        for st in [] if rt.queues.single else rt.graph.in_lanes(lanes):
            self.consumers[st.name] = self._consumer(
                rt.queues.huey[st.name], st.concurrency(rt.settings)
            )
        self.scheduler = Scheduler(rt, lanes)

    @staticmethod
    def _consumer(huey: Huey, workers: int) -> _QuietConsumer:
        return _QuietConsumer(
            huey,
            workers=workers,
            worker_type="thread",
            periodic=False,
            initial_delay=0.05,
            backoff=1.3,
            max_delay=0.5,
            check_worker_health=True,
            shutdown_timeout=30,
        )

    def start(self) -> None:
        # Measured: on small machines FAISS's own threads slow searches 2-4x; workers run in parallel.
        faiss.omp_set_num_threads(1)
        self.rt.log_graph()
        for consumer in self.consumers.values():
            consumer.start()
        self.scheduler.start()
        self.rt.workers_running = True
        log.info(
            "workers started: lanes %s, stages %s", ",".join(self.lanes), ", ".join(self.consumers)
        )

    def stop(self) -> None:
        """Stop taking work, let running tasks finish; queued tasks stay in the queue."""
        self.rt.workers_running = False
        self.scheduler.stop()
        for consumer in self.consumers.values():
            consumer.stop(graceful=True)


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
