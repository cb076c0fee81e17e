"""Re-notice stage: a reminder, then an escalation, for a request nobody acted on."""

from __future__ import annotations

from typing import ClassVar

from takedown.config import Settings
from takedown.pipeline import followup
from takedown.pipeline.context import StageContext
from takedown.pipeline.graph import Work


class RenoticeStage:
    """Make the next follow-up draft (reminder or escalation) of an unanswered request."""

    name: ClassVar[str] = "renotice"
    lane: ClassVar[str] = "notice"
    successors: ClassVar[tuple[str, ...]] = ("draft",)
    work: ClassVar[Work | None] = None

    def __init__(self, ctx: StageContext) -> None:
        self.ctx = ctx

    @classmethod
    def concurrency(cls, settings: Settings) -> int:
        return 1

    def run(self, notice_id: int) -> None:
        ctx = self.ctx
        child = followup.renotice(ctx.db, ctx.services, ctx.settings, notice_id)
        if child is not None:
            ctx.handoff("draft", child)
