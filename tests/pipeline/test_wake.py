"""A hand-off wakes the idle workers of its queue at once; they do not wait for their next poll."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from takedown.config import Settings
from takedown.pipeline.queue import Queues
from takedown.pipeline.roles import _QuietConsumer


def _probe(tmp_path: Path) -> tuple[Queues, threading.Event]:
    """Queues with one stage, ``probe``, whose task sets the event it returns."""
    queues = Queues(Settings(home=tmp_path), {"probe": "poll"})
    ran = threading.Event()
    queues.bind("probe", lambda item_id: ran.set())
    return queues, ran


def _consumer(
    queues: Queues, wake: threading.Event, workers: int, poll: float, backoff: float
) -> _QuietConsumer:
    """Workers of ``probe`` whose idle poll starts every ``poll`` seconds."""
    return _QuietConsumer(
        queues.huey["probe"],
        wake=wake,
        workers=workers,
        worker_type="thread",
        periodic=False,
        initial_delay=poll,
        backoff=backoff,
        max_delay=max(poll, 0.5),
    )


def test_an_enqueued_task_wakes_an_idle_worker_before_its_next_poll(tmp_path: Path) -> None:
    queues, ran = _probe(tmp_path)
    # Idle workers of this consumer poll only every 60 s: only the wake-up can run the task soon.
    consumer = _consumer(queues, queues.wake("probe"), workers=2, poll=60, backoff=1)
    consumer.start()
    try:
        time.sleep(0.5)  # both workers found the queue empty and sleep
        queues.enqueue("probe", 1)
        assert ran.wait(20), "the task waited for the workers' next poll"
    finally:
        consumer.stop(graceful=True)  # the sleeping workers wake to the stop flag too


def test_a_task_from_another_process_is_still_found_by_polling(tmp_path: Path) -> None:
    """Without a wake-up (the task was queued elsewhere) the worker polls as Huey's does."""
    queues, ran = _probe(tmp_path)
    # Never set: as if the enqueuing process were another.
    consumer = _consumer(queues, threading.Event(), workers=1, poll=0.05, backoff=1.3)
    consumer.start()
    try:
        time.sleep(0.3)
        queues.enqueue("probe", 1)
        assert ran.wait(10)
    finally:
        consumer.stop(graceful=False)
