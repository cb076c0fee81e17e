"""Figures for the dashboard: detections per day, time to draft, time to removal per site, open
requests by age, and the share of decided detections that needed no full reveal; `rows()`
flattens them for export.

Every figure is an aggregate the database computes over the period (per-day counts, histogram
buckets, medians: :mod:`takedown.store.sqlfunc` makes SQLite and PostgreSQL agree), so the
dashboard costs a few indexed queries however many detections and requests a center holds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from takedown.review.charts import Bar
from takedown.review.wellbeing import RevealShare, reveal_share
from takedown.stats import draft_delays, removal_delays, summarise
from takedown.store.sqlfunc import percentile_of, utc_day
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


def _bucket_counts(
    seconds: ColumnElement[Any], buckets: tuple[tuple[str, float], ...]
) -> list[Any]:
    """One conditional count per bucket, ``[lower, upper)`` seconds (SQL aggregates)."""
    out: list[Any] = []
    lower: float | None = None
    for _, upper in buckets:
        conditions = [seconds >= lower] if lower is not None else []
        if upper != float("inf"):
            conditions.append(seconds < upper)
        out.append(func.count(case((and_(seconds.is_not(None), *conditions), 1))))
        lower = upper
    return out


def _age_counts(
    since: ColumnElement[Any], now: datetime, buckets: tuple[tuple[str, float], ...]
) -> list[Any]:
    """One conditional count per bucket of age ``now - since`` (never negative), compared as
    times (``since`` after ``now - upper``), so no row's age is computed."""
    out: list[Any] = []
    lower: float | None = None
    for _, upper in buckets:
        conditions: list[ColumnElement[bool]] = [since.is_not(None)]
        if lower is not None:
            conditions.append(since <= now - timedelta(seconds=lower))
        if upper != float("inf"):
            conditions.append(since > now - timedelta(seconds=upper))
        out.append(func.count(case((and_(*conditions), 1))))
        lower = upper
    return out


def _bars(counts: Sequence[Any], buckets: tuple[tuple[str, float], ...]) -> list[Bar]:
    return [Bar(label, int(n or 0)) for (label, _), n in zip(buckets, counts, strict=True)]


def _day(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


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
    # Detections seen in the period, per UTC day (with the removed ones): one indexed range.
    day = utc_day(Detection.first_seen_at)
    per_day: dict[date, tuple[int, int]] = {
        _day(d): (int(n), int(r))
        for d, n, r in session.execute(
            select(day, func.count(), func.count(case((Detection.status == "removed", 1))))
            .where(Detection.first_seen_at >= since, Detection.first_seen_at < until)
            .group_by(day)
        ).all()
    }
    day_bars = [
        Bar(f"{d:%m-%d}", per_day.get(d, (0, 0))[0])
        for d in (start + timedelta(days=i) for i in range(days))
    ]

    # One definition of each delay, shared with GET /stats and `takedown report`.
    drafts = draft_delays(since).subquery()
    draft_row = session.execute(
        select(percentile_of(drafts.c.delay, 50), *_bucket_counts(drafts.c.delay, DRAFT_BUCKETS))
    ).one()
    removal = summarise(session, {"removal": removal_delays(since)})["removal"]
    per_site = sorted(
        ((site, m, n) for site, (n, m) in removal.per_site.items()),
        key=lambda t: (-t[1], t[0]),
    )[:sites]
    removal_bars = [Bar(site, m / HOUR, f"n={n}") for site, m, n in per_site]

    # First requests (not follow-ups) existing at the period's end, in one pass: open ones by
    # age since sending (or creation), and those created in the period by status.
    is_open = Notice.status.in_(OPEN_STATUSES)
    open_since = case((is_open, func.coalesce(Notice.sent_at, Notice.created_at)))
    created_in = Notice.created_at >= since

    def created(*statuses: str) -> Any:
        return func.count(case((and_(created_in, Notice.status.in_(statuses)), 1)))

    drafts_n, sent_n, *open_counts = session.execute(
        select(
            created("draft"),
            created("sent", "resolved"),
            *_age_counts(open_since, now, AGE_BUCKETS),
        ).where(Notice.parent_id.is_(None), Notice.created_at < until)
    ).one()
    open_bars = _bars(open_counts, AGE_BUCKETS)
    totals = {
        "detections": sum(n for n, _ in per_day.values()),
        "removed": sum(r for _, r in per_day.values()),
        "drafts": int(drafts_n),
        "sent": int(sent_n),
        "open": sum(int(b.value) for b in open_bars),
    }
    median_draft = draft_row[0]
    return Dashboard(
        totals=totals,
        detections_per_day=day_bars,
        time_to_draft=_bars(draft_row[1:], DRAFT_BUCKETS),
        time_to_removal=removal_bars,
        open_by_age=open_bars,
        median_seconds_to_draft=None if median_draft is None else float(median_draft),
        median_seconds_to_removal=removal.median,
        start=start,
        end=end,
        reveals=reveal_share(session, since, until),
    )
