"""Figures for the dashboard: detections per day, time to draft, time to removal per site, open
requests by age, and the share of decided detections that needed no full reveal. Computed in
Python so that SQLite and PostgreSQL give the same answers; `rows()` flattens them for export."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from takedown.review.charts import Bar
from takedown.review.wellbeing import RevealShare, reveal_share
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
MAX_DAYS = 366
REVEAL_GOAL = 0.9  # at least 90% of decided detections need no full reveal


@dataclass(frozen=True)
class Dashboard:
    totals: dict[str, int]
    detections_per_day: list[Bar]
    time_to_draft: list[Bar]  # notices per bucket of (drafted - first detection)
    time_to_removal: list[Bar]  # median hours from request sent to removal, per site
    open_by_age: list[Bar]  # open requests per bucket of age since sending
    median_seconds_to_draft: float | None
    median_seconds_to_removal: float | None
    start: date | None = None  # first day of the period (inclusive)
    end: date | None = None  # last day of the period (inclusive)
    reveals: RevealShare | None = None

    def rows(self) -> list[tuple[str, str, float | int | str]]:
        """Every figure as (section, label, value), for CSV and XLSX export."""
        out: list[tuple[str, str, float | int | str]] = [
            ("period", "from", str(self.start or "")),
            ("period", "to", str(self.end or "")),
        ]
        out += [("totals", k, v) for k, v in self.totals.items()]
        for name, seconds in (
            ("median hours to draft", self.median_seconds_to_draft),
            ("median hours to removal", self.median_seconds_to_removal),
        ):
            out.append(("medians", name, "" if seconds is None else round(seconds / HOUR, 2)))
        if self.reveals is not None:
            share = self.reveals.share_without_reveal
            out += [
                ("wellbeing", "decided detections", self.reveals.decided),
                ("wellbeing", "needed a full reveal", self.reveals.revealed),
                ("wellbeing", "share without reveal", "" if share is None else round(share, 4)),
            ]
        for section, bars in (
            ("detections per day", self.detections_per_day),
            ("notices by time to draft", self.time_to_draft),
            ("median hours to removal per site", self.time_to_removal),
            ("open requests by age", self.open_by_age),
        ):
            out += [(section, b.label, round(b.value, 2)) for b in bars]
        return out


def _bucket(seconds: float, buckets: tuple[tuple[str, float], ...]) -> str:
    return next(label for label, upper in buckets if seconds < upper)


def _histogram(values: list[float], buckets: tuple[tuple[str, float], ...]) -> list[Bar]:
    counts = Counter(_bucket(v, buckets) for v in values)
    return [Bar(label, counts.get(label, 0)) for label, _ in buckets]


def period(
    start: date | None, end: date | None, now: datetime, days: int = 30
) -> tuple[date, date]:
    """A valid (first, last) day range: defaults to the last `days` days, at most a year long."""
    last = end or now.astimezone(UTC).date()
    first = start or last - timedelta(days=days - 1)
    if first > last:
        first, last = last, first
    if (last - first).days + 1 > MAX_DAYS:
        first = last - timedelta(days=MAX_DAYS - 1)
    return first, last


def compute_dashboard(
    session: Session,
    *,
    now: datetime | None = None,
    days: int = 30,
    sites: int = 10,
    start: date | None = None,
    end: date | None = None,
) -> Dashboard:
    """All figures of the dashboard as of `now` (UTC), over the last `days` days, or from the
    day `start` to the day `end` (inclusive). Counts, per-day bars and the reveal share keep
    to the period; the delays count requests drafted (removals made) since its first day."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    start, end = period(start, end, now, days)
    days = (end - start).days + 1
    since = datetime(start.year, start.month, start.day, tzinfo=UTC)
    until = datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(days=1)
    if until <= now:
        now = until  # open requests' ages as of the period's end
    per_day = Counter(
        t.astimezone(UTC).date() if t.tzinfo else t.date()
        for t in session.execute(
            select(Detection.first_seen_at).where(
                Detection.first_seen_at >= since, Detection.first_seen_at < until
            )
        ).scalars()
    )
    day_bars = [
        Bar(f"{d:%m-%d}", per_day.get(d, 0))
        for d in (start + timedelta(days=i) for i in range(days))
    ]

    # Only the columns the figures need (a center's requests carry long bodies).
    notices = session.execute(
        select(Notice.status, Notice.sent_at, Notice.created_at).where(
            Notice.parent_id.is_(None), Notice.created_at < until
        )
    ).all()
    # One definition of each delay, shared with GET /stats and `takedown report`.
    to_draft = [v for values in draft_delays(session, since).values() for v in values]
    removal = removal_delays(session, since)
    medians = sorted(
        ((site, statistics.median(v), len(v)) for site, v in removal.items()),
        key=lambda t: -t[1],
    )[:sites]
    removal_bars = [Bar(site, m / HOUR, f"n={n}") for site, m, n in medians]
    all_removal = [v for values in removal.values() for v in values]

    open_ages = [
        max(0.0, (now - _aware(n.sent_at or n.created_at)).total_seconds())
        for n in notices
        if n.status in OPEN_STATUSES
    ]
    status_counts = Counter(n.status for n in notices if _aware(n.created_at) >= since)
    in_period = (Detection.first_seen_at >= since, Detection.first_seen_at < until)
    totals = {
        "detections": session.execute(
            select(func.count()).select_from(Detection).where(*in_period)
        ).scalar_one(),
        "removed": session.execute(
            select(func.count())
            .select_from(Detection)
            .where(Detection.status == "removed", *in_period)
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
        start=start,
        end=end,
        reveals=reveal_share(session, since, until),
    )


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)
