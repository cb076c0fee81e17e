"""Re-check stage: is the reported content still up? Marks detections removed, resolves."""

from __future__ import annotations

from typing import ClassVar

from takedown.config import Settings
from takedown.pipeline import followup
from takedown.pipeline.context import StageContext
from takedown.pipeline.graph import Work


class RecheckStage:
    """Fetch every reported URL of a sent request again; removed content resolves it."""

    name: ClassVar[str] = "recheck"
    lane: ClassVar[str] = "notice"
    successors: ClassVar[tuple[str, ...]] = ()
    work: ClassVar[Work | None] = None

    def __init__(self, ctx: StageContext) -> None:
        self.ctx = ctx

    @classmethod
    def concurrency(cls, settings: Settings) -> int:
        return settings.notice_workers

    def run(self, notice_id: int) -> None:
        followup.recheck(self.ctx.db, self.ctx.services, notice_id)
