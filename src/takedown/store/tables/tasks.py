"""Plain pipeline tasks, journaled: the hand-off of a stage that claims no row of its own.

A re-match, a retro-match, a triage or an OCR task names an item (a page, a reference, a media)
but moves no state of it. Its hand-off writes a row here, so a task lost with a killed worker is
swept back, a failing one is retried with backoff and then parked, visibly, in ``failed``
with its reason. The row is removed when the task has run.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from takedown.store.base import Base, WorkItem, utcnow


class StageTask(WorkItem, Base):
    """One queued plain task. States: ready -> running (row deleted when done) | failed."""

    __tablename__ = "stage_tasks"
    __table_args__ = (Index("ix_stage_tasks_stage_state", "stage", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stage: Mapped[str] = mapped_column(String(40))
    item_id: Mapped[int] = mapped_column()
    priority: Mapped[float] = mapped_column(default=0.0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
