"""The figures as takedown computed them before they moved into the database (kept for
bench_officers.py's baseline column only): every request and detection the figures need is
loaded and summarised in Python. A copy of ``takedown.stats`` and ``takedown.review.dashboard``
as of commit bc7db90; nothing in the package uses it."""

# mypy: ignore-errors

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from statistics import median, quantiles
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from takedown.review.charts import Bar
from takedown.review.dashboard import (
    AGE_BUCKETS,
    DRAFT_BUCKETS,
    HOUR,
    OPEN_STATUSES,
    Dashboard,
    period,
)
from takedown.review.wellbeing import DECIDED, REVEAL, RevealShare
from takedown.store.tables import (
    Artifact,
    AuditEvent,
    Contact,
    Detection,
    MailMessage,
    Notice,
    notice_detections,
)


def _seconds(a: datetime | None, b: datetime | None) -> float | None:
    if a is None or b is None:
        return None
    return max(0.0, (b - a).total_seconds())


def _median(values: list[float]) -> float | None:
    return round(median(values), 3) if values else None


def draft_delays(s: Session, since: datetime | None = None) -> dict[str, list[float]]:
    """Seconds from the first detection a request covers to its first draft, per site.

    The one definition of time to draft: the API, the CLI report and the dashboard use it.
    Only first requests count (reminders and escalations are follow-up, not drafting).
    """
    rows = s.execute(
        select(Notice.site, Notice.drafted_at, func.min(Detection.first_seen_at))
        .join(notice_detections, notice_detections.c.notice_id == Notice.id)
        .join(Detection, Detection.id == notice_detections.c.detection_id)
        .where(Notice.kind == "initial", Notice.drafted_at.is_not(None))
        .where(Notice.created_at >= since if since is not None else Notice.id.is_not(None))
        .group_by(Notice.id, Notice.site, Notice.drafted_at)
    ).all()
    out: dict[str, list[float]] = defaultdict(list)
    for site, drafted, seen in rows:
        if (d := _seconds(_aware(seen), _aware(drafted))) is not None:
            out[site].append(d)
    return out


def removal_delays(s: Session, since: datetime | None = None) -> dict[str, list[float]]:
    """Seconds from the first request sent about a detection to its removal, per site.

    The one definition of time to removal: it measures the provider, from our request on.
    """
    rows = s.execute(
        select(Detection.site, Detection.removed_at, func.min(Notice.sent_at))
        .join(notice_detections, notice_detections.c.detection_id == Detection.id)
        .join(Notice, Notice.id == notice_detections.c.notice_id)
        .where(Detection.removed_at.is_not(None), Notice.sent_at.is_not(None))
        .where(Detection.removed_at >= since if since is not None else Detection.id.is_not(None))
        .group_by(Detection.id, Detection.site, Detection.removed_at)
    ).all()
    out: dict[str, list[float]] = defaultdict(list)
    for site, removed, sent in rows:
        if (d := _seconds(_aware(sent), _aware(removed))) is not None:
            out[site or "?"].append(d)
    return out


def _aware(t: datetime | None) -> datetime | None:
    if t is None or t.tzinfo is not None:
        return t
    return t.replace(tzinfo=UTC)  # SQLite hands back naive UTC from aggregates


DAY = 86400.0
WEEK = 7 * DAY


def percentile(values: list[float], p: int) -> float | None:
    """The ``p``-th percentile (inclusive method); None without values."""
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 3)
    return round(quantiles(values, n=100, method="inclusive")[p - 1], 3)


def distribution(delays: list[float | None]) -> dict[str, Any]:
    """One provider's time to removal: ``delays`` holds, per requested detection, the seconds
    from the first request sent to its removal, or None while it is still online ("never")."""
    done = sorted(d for d in delays if d is not None)
    total = len(delays)

    def share(n: int) -> float | None:
        return round(n / total, 4) if total else None

    return {
        "requested": total,
        "removed": len(done),
        "p50_seconds": percentile(done, 50),
        "p90_seconds": percentile(done, 90),
        "within_24h": share(sum(1 for d in done if d <= DAY)),
        "within_7d": share(sum(1 for d in done if d <= WEEK)),
        "never": share(total - len(done)),
    }


def _provider_names(s: Session) -> tuple[dict[str, str], dict[str, str]]:
    """Site → hosting network and site → CDN, named by the domain of their abuse address (the
    contact look-up's ``rdap-network`` and ``cdn`` sources)."""
    network: dict[str, str] = {}
    cdn: dict[str, str] = {}
    for domain, address, source in s.execute(
        select(Contact.domain, Contact.address, Contact.source).where(
            Contact.source.in_(("rdap-network", "cdn"))
        )
    ).all():
        name = address.rpartition("@")[2].lower()
        if name:
            (network if source == "rdap-network" else cdn).setdefault(domain, name)
    return network, cdn


def removal_by_provider(s: Session) -> dict[str, Any]:
    """Time to removal per site, host network and CDN (p50, p90, share removed within 24 h,
    within 7 days, never), and the providers that never answered a request.

    Every detection a sent request covered counts once, from the first request sent about it.
    "never" is the share still online now. A provider "never answered" when requests were sent
    to it and no verified reply came back and nothing it was asked about was removed.
    """
    rows = s.execute(
        select(Detection.id, Detection.site, Detection.removed_at, func.min(Notice.sent_at))
        .join(notice_detections, notice_detections.c.detection_id == Detection.id)
        .join(Notice, Notice.id == notice_detections.c.notice_id)
        .where(Notice.sent_at.is_not(None))
        .group_by(Detection.id, Detection.site, Detection.removed_at)
    ).all()
    network, cdn = _provider_names(s)
    groups: dict[str, dict[str, list[float | None]]] = {"site": {}, "network": {}, "cdn": {}}
    for _det, site, removed, sent in rows:
        delay = _seconds(_aware(sent), _aware(removed)) if removed is not None else None
        key = site or "?"
        groups["site"].setdefault(key, []).append(delay)
        groups["network"].setdefault(network.get(key, "unknown"), []).append(delay)
        groups["cdn"].setdefault(cdn.get(key, "none known"), []).append(delay)

    answered = {
        site
        for (site,) in s.execute(
            select(Notice.site)
            .join(MailMessage, MailMessage.notice_id == Notice.id)
            .where(MailMessage.verified.is_(True))
            .distinct()
        ).all()
    }
    removed_sites = {site for _d, site, removed, _s in rows if removed is not None}
    silent = []
    for site, count, first, recipients in _sent_per_site(s):
        if site not in answered and site not in removed_sites:
            silent.append(
                {
                    "site": site,
                    "requests_sent": count,
                    "first_sent_at": first.isoformat() if first else None,
                    "recipients": recipients,
                }
            )
    return {
        "per_site": {k: distribution(v) for k, v in sorted(groups["site"].items())},
        "per_network": {k: distribution(v) for k, v in sorted(groups["network"].items())},
        "per_cdn": {k: distribution(v) for k, v in sorted(groups["cdn"].items())},
        "never_answered": silent,
    }


def _sent_per_site(s: Session) -> list[tuple[str, int, datetime | None, list[str]]]:
    out: dict[str, tuple[int, datetime | None, set[str]]] = {}
    for site, sent_at, to in s.execute(
        select(Notice.site, Notice.sent_at, Notice.to).where(Notice.sent_at.is_not(None))
    ).all():
        count, first, recipients = out.get(site, (0, None, set()))
        at = _aware(sent_at)
        first = at if first is None or (at is not None and at < first) else first
        out[site] = (count + 1, first, recipients | {str(a) for a in to or []})
    return [(k, c, f, sorted(r)) for k, (c, f, r) in sorted(out.items())]


def compute_before(s: Session) -> dict[str, Any]:

    def count(q: Any) -> int:
        return int(s.execute(q).scalar_one())

    detections = count(select(func.count()).select_from(Detection))
    removed = count(
        select(func.count()).select_from(Detection).where(Detection.status == "removed")
    )
    reuploads = count(
        select(func.count()).select_from(Detection).where(Detection.previous_id.is_not(None))
    )
    sent = count(select(func.count()).select_from(Notice).where(Notice.sent_at.is_not(None)))
    by_status = dict(s.execute(select(Notice.status, func.count()).group_by(Notice.status)).all())

    to_draft = draft_delays(s)
    to_removal = removal_delays(s)
    to_request: dict[str, list[float]] = defaultdict(list)
    for site, sent_at, seen in s.execute(
        select(Notice.site, Notice.sent_at, func.min(Detection.first_seen_at))
        .join(notice_detections, notice_detections.c.notice_id == Notice.id)
        .join(Detection, Detection.id == notice_detections.c.detection_id)
        .where(Notice.kind == "initial", Notice.sent_at.is_not(None))
        .group_by(Notice.id, Notice.site, Notice.sent_at)
    ).all():
        if (d := _seconds(_aware(seen), _aware(sent_at))) is not None:
            to_request[site].append(d)
    to_detect = [
        d
        for pub, seen in s.execute(
            select(Detection.published_at, Detection.first_seen_at).where(
                Detection.published_at.is_not(None)
            )
        ).all()
        if (d := _seconds(_aware(pub), _aware(seen))) is not None
    ]

    sites = sorted(set(to_draft) | set(to_request) | set(to_removal))

    def flat(m: dict[str, list[float]]) -> list[float]:
        return [v for vs in m.values() for v in vs]

    return {
        "detections": detections,
        "active": detections - removed,
        "removed": removed,
        "reuploads": reuploads,
        "notices": by_status,
        "notices_sent": sent,
        "median_seconds_to_detect": _median(to_detect),
        "median_seconds_to_draft": _median(flat(to_draft)),
        "median_seconds_to_request": _median(flat(to_request)),
        "median_seconds_to_removal": _median(flat(to_removal)),
        "time_to_removal": removal_by_provider(s),
        "per_site": {
            site: {
                "median_seconds_to_draft": _median(to_draft.get(site, [])),
                "median_seconds_to_request": _median(to_request.get(site, [])),
                "median_seconds_to_removal": _median(to_removal.get(site, [])),
                "removed": len(to_removal.get(site, [])),
            }
            for site in sites
        },
    }


def reveal_share_before(session: Session, since: datetime, until: datetime) -> RevealShare:
    """Of the detections whose request was decided (approved or rejected) in [since, until),
    the number that needed a full reveal of their capture's media."""
    decided_at = func.coalesce(Notice.approved_at, Notice.send_changed_at)
    rows = session.execute(
        select(Detection.id, Detection.evidence_id)
        .join(notice_detections, notice_detections.c.detection_id == Detection.id)
        .join(Notice, Notice.id == notice_detections.c.notice_id)
        .where(Notice.status.in_(DECIDED), decided_at >= since, decided_at < until)
        .distinct()
    ).all()
    revealed_ids = [
        int(x)
        for x in session.execute(
            select(AuditEvent.object_id).where(AuditEvent.action == REVEAL, AuditEvent.at < until)
        ).scalars()
        if str(x).isdigit()
    ]
    revealed_evidence = (
        set(
            session.execute(
                select(Artifact.evidence_id).where(Artifact.id.in_(revealed_ids))
            ).scalars()
        )
        if revealed_ids
        else set()
    )
    revealed = sum(1 for _, ev in rows if ev is not None and ev in revealed_evidence)
    return RevealShare(len(rows), revealed)


def _bucket(seconds: float, buckets: tuple[tuple[str, float], ...]) -> str:
    return next(label for label, upper in buckets if seconds < upper)


def _histogram(values: list[float], buckets: tuple[tuple[str, float], ...]) -> list[Bar]:
    counts = Counter(_bucket(v, buckets) for v in values)
    return [Bar(label, counts.get(label, 0)) for label, _ in buckets]


def compute_dashboard_before(
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
        reveals=reveal_share_before(session, since, until),
    )
