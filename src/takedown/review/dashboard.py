"""Figures for the dashboard: detections per day, time to draft, time to removal per site, open
requests by age, and the share of decided detections that needed no full reveal; `rows()`
flattens them for export.

Every figure is an aggregate the database computes over the period (per-day counts, histogram
buckets, medians: :mod:`takedown.store.sqlfunc` makes SQLite and PostgreSQL agree), so the
dashboard costs a few indexed queries however many detections and requests a center holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, case, func, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from takedown.review.charts import Bar
from takedown.review.wellbeing import RevealShare, reveal_share
from takedown.stats import draft_delays, removal_delays, summarise
from takedown.store.base import UTCDateTime
from takedown.store.sqlfunc import elapsed_seconds, utc_day
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


def _bucket_index(seconds: ColumnElement[Any], buckets: tuple[tuple[str, float], ...]) -> Any:
    """The index of the first bucket whose upper bound exceeds ``seconds`` (SQL CASE)."""
    whens = [(seconds < upper, i) for i, (_, upper) in enumerate(buckets) if upper != float("inf")]
    return case(*whens, else_=len(buckets) - 1)


def _histogram(
    session: Session, rows: Select[*tuple[Any, ...]], buckets: tuple[tuple[str, float], ...]
) -> list[Bar]:
    """Bars of how many rows of ``rows`` (a query with a ``delay`` column, in seconds) fall in
    each bucket, counted by the database."""
    sub = rows.subquery()
    index = _bucket_index(sub.c.delay, buckets).label("bucket")
    counts = {
        int(i): int(n)
        for i, n in session.execute(
            select(index, func.count()).where(sub.c.delay.is_not(None)).group_by(index)
        ).all()
    }
    return [Bar(label, counts.get(i, 0)) for i, (label, _) in enumerate(buckets)]


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
    in_period = (Detection.first_seen_at >= since, Detection.first_seen_at < until)
    day = utc_day(Detection.first_seen_at)
    per_day = {
        _day(d): int(n)
        for d, n in session.execute(select(day, func.count()).where(*in_period).group_by(day)).all()
    }
    day_bars = [
        Bar(f"{d:%m-%d}", per_day.get(d, 0))
        for d in (start + timedelta(days=i) for i in range(days))
    ]

    # One definition of each delay, shared with GET /stats and `takedown report`.
    to_draft = draft_delays(since)
    removal = removal_delays(since)
    figures = summarise(session, {"draft": to_draft, "removal": removal})
    per_site = sorted(
        ((site, m, n) for site, (n, m) in figures["removal"].per_site.items()),
        key=lambda t: (-t[1], t[0]),
    )[:sites]
    removal_bars = [Bar(site, m / HOUR, f"n={n}") for site, m, n in per_site]

    # Requests (first ones, not follow-ups) existing at the period's end: open ones by age
    # since sending (or creation), and those created in the period by status.
    first = (Notice.parent_id.is_(None), Notice.created_at < until)
    age = elapsed_seconds(
        func.coalesce(Notice.sent_at, Notice.created_at), literal(now, UTCDateTime())
    )
    open_ages = (
        select(age.label("delay")).where(*first, Notice.status.in_(OPEN_STATUSES)).order_by(None)
    )
    status_counts = {
        str(k): int(v)
        for k, v in session.execute(
            select(Notice.status, func.count())
            .where(*first, Notice.created_at >= since)
            .group_by(Notice.status)
        ).all()
    }
    detections, removed = session.execute(
        select(func.count(), func.count(case((Detection.status == "removed", 1))))
        .select_from(Detection)
        .where(*in_period)
    ).one()
    open_bars = _histogram(session, open_ages, AGE_BUCKETS)
    totals = {
        "detections": int(detections),
        "removed": int(removed),
        "drafts": status_counts.get("draft", 0),
        "sent": status_counts.get("sent", 0) + status_counts.get("resolved", 0),
        "open": sum(int(b.value) for b in open_bars),
    }
    return Dashboard(
        totals=totals,
        detections_per_day=day_bars,
        time_to_draft=_histogram(session, to_draft, DRAFT_BUCKETS),
        time_to_removal=removal_bars,
        open_by_age=open_bars,
        median_seconds_to_draft=figures["draft"].median,
        median_seconds_to_removal=figures["removal"].median,
        start=start,
        end=end,
        reveals=reveal_share(session, since, until),
    )
