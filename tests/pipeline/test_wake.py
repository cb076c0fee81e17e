"""A hand-off wakes the idle workers of its queue at once; they do not wait for their next poll."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from takedown.config import Settings
from takedown.pipeline.queue import Queues
from takedown.pipeline.roles import _QuietConsumer


def test_an_enqueued_task_wakes_an_idle_worker_before_its_next_poll(tmp_path: Path) -> None:
    queues = Queues(Settings(home=tmp_path), {"probe": "poll"})
    ran = threading.Event()
    queues.bind("probe", lambda item_id: ran.set())
    # Idle workers of this consumer poll only every 60 s: only the wake-up can run the task soon.
    consumer = _QuietConsumer(
        queues.huey["probe"],
        wake=queues.wake("probe"),
        workers=2,
        worker_type="thread",
        periodic=False,
        initial_delay=60,
        backoff=1,
        max_delay=60,
    )
    consumer.start()
    try:
        time.sleep(0.5)  # both workers found the queue empty and sleep
        queues.enqueue("probe", 1)
        assert ran.wait(20), "the task waited for the workers' next poll"
    finally:
        consumer.stop(graceful=True)  # the sleeping workers wake to the stop flag too


def test_a_task_from_another_process_is_still_found_by_polling(tmp_path: Path) -> None:
    """Without a wake-up (the task was queued elsewhere) the worker polls as Huey's does."""
    queues = Queues(Settings(home=tmp_path), {"probe": "poll"})
    ran = threading.Event()
    queues.bind("probe", lambda item_id: ran.set())
    consumer = _QuietConsumer(
        queues.huey["probe"],
        wake=threading.Event(),  # never set: as if the enqueuing process were another
        workers=1,
        worker_type="thread",
        periodic=False,
        initial_delay=0.05,
        backoff=1.3,
        max_delay=0.5,
    )
    consumer.start()
    try:
        time.sleep(0.3)
        queues.enqueue("probe", 1)
        assert ran.wait(10)
    finally:
        consumer.stop(graceful=False)
