"""A capture stage that takes its time (a stand-in for pages that load for tens of seconds),
registered through the same setting a third-party stage uses."""

from __future__ import annotations

import time
from typing import ClassVar

from takedown.config import Settings
from takedown.pipeline.context import StageContext
from takedown.pipeline.graph import Work
from takedown.store.base import utcnow
from takedown.store.tables import Evidence

SECONDS = 3.0
started: list[float] = []


class SlowCapture:
    """Hold a browser context for SECONDS per page, then mark the capture failed."""

    name: ClassVar[str] = "capture"
    lane: ClassVar[str] = "browser"
    successors: ClassVar[tuple[str, ...]] = ("draft",)
    work: ClassVar[Work | None] = Work(
        Evidence, ready="pending", working="capturing", max_attempts=1
    )

    def __init__(self, ctx: StageContext) -> None:
        self.ctx = ctx

    @classmethod
    def concurrency(cls, settings: Settings) -> int:
        return settings.browser_contexts

    def run(self, evidence_id: int) -> None:
        started.append(time.monotonic())
        time.sleep(SECONDS)
        with self.ctx.db.session() as s:
            ev = s.get(Evidence, evidence_id)
            if ev is not None:
                ev.state, ev.error, ev.state_changed_at = "failed", "slow stand-in", utcnow()
