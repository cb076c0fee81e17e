"""The scheduler's periodic jobs: each finds what is due and hands it to a stage.

A job is cheap (one or two queries); the network, the browser and the CPU are used only by the
stages it hands to, in their own lanes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ClassVar

from sqlalchemy import select, update

from takedown.config import Settings
from takedown.pipeline.context import JobContext
from takedown.pipeline.stage import wake
from takedown.pipeline.stages.poll import PollStage, RenderPollStage
from takedown.pipeline.stages.send import SendStage
from takedown.store.tables import Notice, Source


class _Job:
    name: ClassVar[str]
    lane: ClassVar[str]
    successors: ClassVar[tuple[str, ...]]

    def __init__(self, ctx: JobContext) -> None:
        self.ctx = ctx

    @classmethod
    def interval(cls, settings: Settings) -> float:
        return settings.scheduler_tick_seconds


class WakeSources(_Job):
    """Sources whose next poll has come go to the poll stage (or the browser's, if rendered)."""

    name = "wake_sources"
    lane = "poll"
    successors = ("poll", "render")

    def run(self, now: datetime) -> list[int]:
        woken: list[int] = []
        for stage in (PollStage, RenderPollStage):
            assert stage.work is not None
            for source_id in wake(
                self.ctx.db,
                stage.work,
                "idle",
                Source.paused.is_(False),
                Source.deleted.is_(False),
                Source.next_poll_at <= now,
            ):
                self.ctx.handoff(stage.name, source_id, 1000.0)
                woken.append(source_id)
        return woken


class WakeSendRetries(_Job):
    """Requests whose retry time has come go back to the send stage."""

    name = "wake_send_retries"
    lane = "notice"
    successors = ("send",)

    def run(self, now: datetime) -> list[int]:
        assert SendStage.work is not None
        ids = wake(self.ctx.db, SendStage.work, "retry", Notice.next_attempt_at <= now)
        for nid in ids:
            self.ctx.handoff("send", nid)
        return ids


class WakeRechecks(_Job):
    """Sent requests whose next check has come are checked again."""

    name = "wake_rechecks"
    lane = "notice"
    successors = ("recheck",)

    def run(self, now: datetime) -> list[int]:
        every = timedelta(seconds=self.ctx.settings.recheck_seconds)
        with self.ctx.db.session() as s:
            fresh = s.execute(
                select(Notice).where(Notice.status == "sent", Notice.next_check_at.is_(None))
            ).scalars()
            for n in fresh:
                n.next_check_at = (n.sent_at or now) + every
            due = list(
                s.execute(
                    select(Notice.id, Notice.next_check_at).where(
                        Notice.status == "sent", Notice.next_check_at <= now
                    )
                ).all()
            )
            woken = []
            for nid, at in due:
                res = s.execute(
                    update(Notice)
                    .where(Notice.id == nid, Notice.next_check_at == at)
                    .values(next_check_at=now + every)
                )
                if res.rowcount:  # type: ignore[attr-defined]
                    woken.append(nid)
        for nid in woken:
            self.ctx.handoff("recheck", nid, 100.0)
        return woken


class WakeRenotices(_Job):
    """Sent requests unanswered past the re-notice interval get their next follow-up step."""

    name = "wake_renotices"
    lane = "notice"
    successors = ("renotice",)

    @classmethod
    def interval(cls, settings: Settings) -> float:
        return max(settings.scheduler_tick_seconds, min(60.0, settings.renotice_seconds / 4))

    def run(self, now: datetime) -> list[int]:
        after = timedelta(seconds=self.ctx.settings.renotice_seconds)
        with self.ctx.db.session() as s:
            due = list(
                s.execute(
                    update(Notice)
                    .where(
                        Notice.status == "sent",
                        Notice.sent_at <= now - after,
                        Notice.renotice_step.is_(None),
                    )
                    .values(renotice_step="due")
                    .returning(Notice.id)
                ).scalars()
            )
        for nid in due:
            self.ctx.handoff("renotice", nid)
        return due
