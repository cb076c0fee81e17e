"""Figures for the dashboard: detections per day, time to draft, time to removal per site and
open requests by age. Computed in Python so that SQLite and PostgreSQL give the same answers."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from takedown.review.charts import Bar
from takedown.stats import draft_delays, removal_delays
from takedown.store.tables import Detection, Notice

HOUR = 3600.0
DRAFT_BUCKETS: tuple[tuple[str, float], ...] = (
    ("<1h", HOUR),
    ("1-6h", 6 * HOUR),
    ("6-24h", 24 * HOUR),
    ("1-3d", 72 * HOUR),
    (">3d", float("inf")),
)
AGE_BUCKETS: tuple[tuple[str, float], ...] = (
    ("<1d", 24 * HOUR),
    ("1-3d", 72 * HOUR),
    ("3-7d", 7 * 24 * HOUR),
    ("7-30d", 30 * 24 * HOUR),
    (">30d", float("inf")),
)
OPEN_STATUSES = ("approved", "sent", "failed")


@dataclass(frozen=True)
class Dashboard:
    totals: dict[str, int]
    detections_per_day: list[Bar]
    time_to_draft: list[Bar]  # notices per bucket of (drafted - first detection)
    time_to_removal: list[Bar]  # median hours from request sent to removal, per site
    open_by_age: list[Bar]  # open requests per bucket of age since sending
    median_seconds_to_draft: float | None
    median_seconds_to_removal: float | None


def _bucket(seconds: float, buckets: tuple[tuple[str, float], ...]) -> str:
    return next(label for label, upper in buckets if seconds < upper)


def _histogram(values: list[float], buckets: tuple[tuple[str, float], ...]) -> list[Bar]:
    counts = Counter(_bucket(v, buckets) for v in values)
    return [Bar(label, counts.get(label, 0)) for label, _ in buckets]


def compute_dashboard(
    session: Session, *, now: datetime | None = None, days: int = 30, sites: int = 10
) -> Dashboard:
    """All figures of the dashboard as of `now` (UTC), over the last `days` days."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    start = (now - timedelta(days=days - 1)).date()
    since = datetime(start.year, start.month, start.day, tzinfo=UTC)

    per_day = Counter(
        t.astimezone(UTC).date()
        for t in session.execute(
            select(Detection.first_seen_at).where(Detection.first_seen_at >= since)
        ).scalars()
    )
    day_bars = [
        Bar(f"{d:%m-%d}", per_day.get(d, 0))
        for d in (start + timedelta(days=i) for i in range(days))
    ]

    # Only the columns the figures need (a center's requests carry long bodies).
    notices = session.execute(
        select(Notice.status, Notice.sent_at, Notice.created_at).where(Notice.parent_id.is_(None))
    ).all()
    # One definition of each delay, shared with GET /stats and `takedown report`.
    to_draft = [v for values in draft_delays(session).values() for v in values]
    removal = removal_delays(session)
    medians = sorted(
        ((site, statistics.median(v), len(v)) for site, v in removal.items()),
        key=lambda t: -t[1],
    )[:sites]
    removal_bars = [Bar(site, m / HOUR, f"n={n}") for site, m, n in medians]
    all_removal = [v for values in removal.values() for v in values]

    open_ages = [
        max(0.0, (now - (n.sent_at or n.created_at)).total_seconds())
        for n in notices
        if n.status in OPEN_STATUSES
    ]
    status_counts = Counter(n.status for n in notices)
    totals = {
        "detections": session.execute(select(func.count()).select_from(Detection)).scalar_one(),
        "removed": session.execute(
            select(func.count()).select_from(Detection).where(Detection.status == "removed")
        ).scalar_one(),
        "drafts": status_counts.get("draft", 0),
        "sent": status_counts.get("sent", 0) + status_counts.get("resolved", 0),
        "open": len(open_ages),
    }
    return Dashboard(
        totals=totals,
        detections_per_day=day_bars,
        time_to_draft=_histogram(to_draft, DRAFT_BUCKETS),
        time_to_removal=removal_bars,
        open_by_age=_histogram(open_ages, AGE_BUCKETS),
        median_seconds_to_draft=statistics.median(to_draft) if to_draft else None,
        median_seconds_to_removal=statistics.median(all_removal) if all_removal else None,
    )
