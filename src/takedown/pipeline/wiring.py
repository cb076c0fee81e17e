"""Which stages and tasks exist, in pipeline order, and the scheduler's periodic jobs."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from takedown.pipeline import followup
from takedown.pipeline.stages import capture, draft, media, poll, send, triage

if TYPE_CHECKING:
    from takedown.pipeline.runtime import Runtime


def register_stages(rt: Runtime) -> None:
    for stage in (poll.stage(), media.stage(), capture.stage(), draft.stage(), send.stage()):
        rt.add_stage(stage)
    rt.add_task("recheck", followup.recheck)
    rt.add_task("triage", triage.run, huey=rt.triage_huey)


def periodic_jobs(rt: Runtime) -> list[tuple[float, Callable[[Runtime], object]]]:
    """(interval seconds, job) for the scheduler, beside waking sources and sweeping."""
    tick = rt.settings.scheduler_tick_seconds
    return [
        (tick, send.wake_retries),
        (tick, followup.wake_rechecks),
        (max(tick, min(60.0, rt.settings.renotice_seconds / 4)), followup.renotice),
    ]
