"""Officers' wellbeing, measured: a daily cap of full reveals per officer, and the share of
decided detections that needed no full reveal (the goal is at least 90%).

Both are read from the audit log's ``media.reveal`` events, which every reveal writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import Session

from takedown.store.tables import Artifact, AuditEvent, Detection, Notice, notice_detections

REVEAL = "media.reveal"
NEAR_CAP = 0.8  # the gentle notice shows from this share of the cap on
DECIDED = ("approved", "sent", "resolved", "failed", "rejected")


@dataclass(frozen=True)
class RevealBudget:
    used: int
    cap: int  # 0: no limit

    @property
    def left(self) -> int | None:
        return None if self.cap == 0 else max(0, self.cap - self.used)

    @property
    def exhausted(self) -> bool:
        return self.cap > 0 and self.used >= self.cap

    @property
    def near(self) -> bool:
        """Time for a gentle word: most of today's reveals are used."""
        return self.cap > 0 and self.used >= max(1, int(self.cap * NEAR_CAP))


def start_of_day(now: datetime, timezone: str) -> datetime:
    """Local midnight of `now` in the installation's time zone, as UTC."""
    local = now.astimezone(ZoneInfo(timezone))
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight.astimezone(UTC)


def reveal_budget(
    session: Session, actor: str, cap: int, timezone: str, now: datetime | None = None
) -> RevealBudget:
    """How many full reveals `actor` made today, against the daily `cap`."""
    since = start_of_day(now or datetime.now(UTC), timezone)
    used = session.execute(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == REVEAL, AuditEvent.actor == actor, AuditEvent.at >= since)
    ).scalar_one()
    return RevealBudget(int(used), cap)


@dataclass(frozen=True)
class RevealShare:
    decided: int  # detections behind a decided request in the period
    revealed: int  # of those, how many had a file of their capture fully revealed

    @property
    def share_without_reveal(self) -> float | None:
        return None if self.decided == 0 else 1.0 - self.revealed / self.decided


def reveal_share(session: Session, since: datetime, until: datetime) -> RevealShare:
    """Of the detections whose request was decided (approved or rejected) in [since, until),
    the number that needed a full reveal of their capture's media."""
    decided_at = func.coalesce(Notice.approved_at, Notice.send_changed_at)
    decided = (
        select(Detection.id, Detection.evidence_id)
        .join(notice_detections, notice_detections.c.detection_id == Detection.id)
        .join(Notice, Notice.id == notice_detections.c.notice_id)
        .where(Notice.status.in_(DECIDED), decided_at >= since, decided_at < until)
        .distinct()
        .subquery()
    )
    revealed_ids = [
        int(x)
        for x in session.execute(
            select(AuditEvent.object_id).where(AuditEvent.action == REVEAL, AuditEvent.at < until)
        ).scalars()
        if str(x).isdigit()
    ]
    revealed = (
        func.count(
            case(
                (
                    decided.c.evidence_id.in_(
                        select(Artifact.evidence_id).where(Artifact.id.in_(revealed_ids))
                    ),
                    1,
                )
            )
        )
        if revealed_ids
        else literal(0)
    )
    # Counted by the database: the decided detections are never loaded.
    total, needed = session.execute(select(func.count(), revealed).select_from(decided)).one()
    return RevealShare(int(total), int(needed))


def default_window(now: datetime, days: int = 30) -> tuple[datetime, datetime]:
    return now - timedelta(days=days), now
