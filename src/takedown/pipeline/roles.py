"""Running the lanes: one Huey consumer per stage of the chosen lanes, plus the scheduler."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

import faiss
from huey import Huey
from huey.consumer import Consumer, Worker

from takedown.pipeline.graph import LANES, Warms
from takedown.pipeline.runtime import Runtime
from takedown.pipeline.scheduler import Scheduler

log = logging.getLogger(__name__)


class _WakingWorker(Worker):  # type: ignore[misc]
    """Huey's worker, whose idle wait between polls ends as soon as this process enqueues."""

    wake: threading.Event | None = None
    delay: float
    max_delay: float
    backoff: float

    def sleep(self) -> None:
        if self.wake is None:
            super().sleep()
            return
        delay: float = min(self.delay, self.max_delay)
        if self.wake.wait(delay):
            self.wake.clear()  # every idle worker of the queue looks; one gets the task
        self.delay = delay * self.backoff


class _QuietConsumer(Consumer):  # type: ignore[misc]
    """Huey's consumer without its own signal handlers: the process decides how to stop."""

    def __init__(self, huey: Huey, *, wake: threading.Event, **options: object) -> None:
        self.wake = wake  # before Huey's constructor, which creates the workers
        super().__init__(huey, **options)

    def _set_signal_handlers(self) -> None:
        return None

    def stop(self, graceful: bool = False) -> None:
        self.stop_flag.set()
        self.wake.set()  # idle workers see the stop flag now, not at their next poll
        super().stop(graceful=graceful)

    def _create_worker(self) -> _WakingWorker:
        worker = _WakingWorker(
            huey=self.huey,
            stop_flag=self.stop_flag,
            default_delay=self.default_delay,
            max_delay=self.max_delay,
            backoff=self.backoff,
            max_tasks=self.max_tasks,
        )
        worker.wake = self.wake
        return worker


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
            first = rt.graph.names()[0]
            self.consumers["all"] = self._consumer(
                rt.queues.huey[first], rt.settings.single_queue_workers, rt.queues.wake(first)
            )
        for st in [] if rt.queues.single else rt.graph.in_lanes(lanes):
            self.consumers[st.name] = self._consumer(
                rt.queues.huey[st.name], st.concurrency(rt.settings), rt.queues.wake(st.name)
            )
        self.scheduler = Scheduler(rt, lanes)

    @staticmethod
    def _consumer(huey: Huey, workers: int, wake: threading.Event) -> _QuietConsumer:
        return _QuietConsumer(
            huey,
            wake=wake,
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
        for st in self.rt.graph.in_lanes(self.lanes):
            stage = self.rt.stages[st.name]
            if isinstance(stage, Warms):
                threading.Thread(
                    target=_warm, args=(st.name, stage), name=f"warm-{st.name}", daemon=True
                ).start()
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


def _warm(name: str, stage: Warms) -> None:
    try:
        stage.warm()
    except Exception:  # the stage does the work on its first item instead
        log.exception("warming stage %s failed", name)


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
