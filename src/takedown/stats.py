"""The figures a center reports: counts, and times to draft, to request and to removal, per site;
time to removal per provider (site, host network, CDN) as a distribution, and the providers that
never answered.

Every figure is computed by the database (counts, percentiles and shares as aggregates, see
:mod:`takedown.store.sqlfunc`): no request or detection is loaded to be summarised, so the
figures cost the same few queries at a center's volume as on a test's handful of rows.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, String, Text, case, cast, func, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from takedown.store.sqlfunc import address_domain, elapsed_seconds, percentile_of, quantile
from takedown.store.tables import Contact, Detection, MailMessage, Notice, notice_detections

DAY = 86400.0
WEEK = 7 * DAY


def percentile(values: list[float], p: int) -> float | None:
    """The ``p``-th percentile (inclusive method, as the database computes it); None without
    values."""
    value = quantile(values, p)
    return None if value is None else round(value, 3)


def _share(n: int, total: int) -> float | None:
    return round(n / total, 4) if total else None


def _round(value: Any) -> float | None:
    return None if value is None else round(float(value), 3)


def distribution(delays: list[float | None]) -> dict[str, Any]:
    """One provider's time to removal: ``delays`` holds, per requested detection, the seconds
    from the first request sent to its removal, or None while it is still online ("never").

    The definition in Python; :func:`removal_by_provider` has the database compute the same."""
    done = sorted(d for d in delays if d is not None)
    total = len(delays)
    return _distribution(
        total,
        len(done),
        percentile(done, 50),
        percentile(done, 90),
        sum(1 for d in done if d <= DAY),
        sum(1 for d in done if d <= WEEK),
    )


def _distribution(
    total: int, removed: int, p50: Any, p90: Any, in_day: int, in_week: int
) -> dict[str, Any]:
    return {
        "requested": total,
        "removed": removed,
        "p50_seconds": _round(p50),
        "p90_seconds": _round(p90),
        "within_24h": _share(in_day, total),
        "within_7d": _share(in_week, total),
        "never": _share(total - removed, total),
    }


Delays = Select[str, float]
# The delays, one row each (columns ``site`` and ``delay``, in seconds); each is the one
# definition of its figure: the API, the CLI report and the dashboard summarise these.


def draft_delays(since: datetime | None = None) -> Delays:
    """Seconds from the first detection a request covers to its first draft, per request.

    Only first requests count (reminders and escalations are follow-up, not drafting); with
    ``since``, only requests created since then."""
    q = (
        select(
            Notice.site.label("site"),
            elapsed_seconds(func.min(Detection.first_seen_at), Notice.drafted_at).label("delay"),
        )
        .join(notice_detections, notice_detections.c.notice_id == Notice.id)
        .join(Detection, Detection.id == notice_detections.c.detection_id)
        .where(Notice.kind == "initial", Notice.drafted_at.is_not(None))
        .group_by(Notice.id, Notice.site, Notice.drafted_at)
    )
    return q.where(Notice.created_at >= since) if since is not None else q


def request_delays() -> Delays:
    """Seconds from the first detection a first request covers to its sending, per request."""
    return (
        select(
            Notice.site.label("site"),
            elapsed_seconds(func.min(Detection.first_seen_at), Notice.sent_at).label("delay"),
        )
        .join(notice_detections, notice_detections.c.notice_id == Notice.id)
        .join(Detection, Detection.id == notice_detections.c.detection_id)
        .where(Notice.kind == "initial", Notice.sent_at.is_not(None))
        .group_by(Notice.id, Notice.site, Notice.sent_at)
    )


def removal_delays(since: datetime | None = None) -> Delays:
    """Seconds from the first request sent about a detection to its removal, per removed
    detection (time to removal measures the provider, from our request on); with ``since``,
    only removals made since then."""
    q = (
        select(
            func.coalesce(Detection.site, "?").label("site"),
            elapsed_seconds(func.min(Notice.sent_at), Detection.removed_at).label("delay"),
        )
        .join(notice_detections, notice_detections.c.detection_id == Detection.id)
        .join(Notice, Notice.id == notice_detections.c.notice_id)
        .where(Detection.removed_at.is_not(None), Notice.sent_at.is_not(None))
        .group_by(Detection.id, Detection.site, Detection.removed_at)
    )
    return q.where(Detection.removed_at >= since) if since is not None else q


def detect_delays() -> Delays:
    """Seconds from a file's publication (when the page says) to our first sight of it."""
    return select(
        Detection.site.label("site"),
        elapsed_seconds(Detection.published_at, Detection.first_seen_at).label("delay"),
    ).where(Detection.published_at.is_not(None))


def medians(s: Session, delays: Delays, per_site: bool = True) -> dict[str, tuple[int, float]]:
    """site → (how many, median seconds) of one of the delay queries above; with
    ``per_site=False``, one entry ``"*"`` for all of them (nothing when there are none)."""
    rows = delays.subquery()
    key: ColumnElement[Any] = rows.c.site if per_site else literal("*", String())
    q = (
        select(key.label("k"), func.count(rows.c.delay), percentile_of(rows.c.delay, 50))
        .select_from(rows)
        .where(rows.c.delay.is_not(None))
    )
    out = s.execute(q.group_by(key) if per_site else q).all()
    return {str(k): (int(n), float(m)) for k, n, m in out if n}


def median_of(s: Session, delays: Delays) -> float | None:
    """The median of all the rows of a delay query, unrounded; None without any."""
    return medians(s, delays, per_site=False).get("*", (0, None))[1]


def _requested() -> Any:
    """Every detection a sent request covered, once: its site, removal and time to removal from
    the first request sent about it (NULL while it is still online)."""
    return (
        select(
            func.coalesce(Detection.site, "?").label("site"),
            Detection.removed_at.label("removed_at"),
            elapsed_seconds(func.min(Notice.sent_at), Detection.removed_at).label("delay"),
        )
        .join(notice_detections, notice_detections.c.detection_id == Detection.id)
        .join(Notice, Notice.id == notice_detections.c.notice_id)
        .where(Notice.sent_at.is_not(None))
        .group_by(Detection.id, Detection.site, Detection.removed_at)
        .subquery("requested")
    )


def _provider_names(source: str) -> Any:
    """Site → provider name: the domain of the site's abuse address found by the contact
    look-up's ``source`` (``rdap-network``: the host network, ``cdn``: the CDN)."""
    name = address_domain(Contact.address)
    return (
        select(Contact.domain.label("domain"), func.min(name).label("name"))
        .where(Contact.source == source, name != "")
        .group_by(Contact.domain)
        .subquery(source.replace("-", "_"))
    )


def _distributions(s: Session, req: Any, source: str | None, unknown: str) -> dict[str, Any]:
    delay = req.c.delay
    key: ColumnElement[Any]
    if source is None:
        key, from_ = req.c.site, req
    else:
        names = _provider_names(source)
        key = func.coalesce(names.c.name, unknown)
        from_ = req.outerjoin(names, names.c.domain == req.c.site)
    rows = s.execute(
        select(
            key.label("k"),
            func.count(),
            func.count(delay),
            percentile_of(delay, 50),
            percentile_of(delay, 90),
            func.count(case((delay <= DAY, 1))),
            func.count(case((delay <= WEEK, 1))),
        )
        .select_from(from_)
        .group_by(key)
    ).all()
    return {str(k): _distribution(*figures) for k, *figures in sorted(rows, key=lambda r: r[0])}


def removal_by_provider(s: Session) -> dict[str, Any]:
    """Time to removal per site, host network and CDN (p50, p90, share removed within 24 h,
    within 7 days, never), and the providers that never answered a request.

    Every detection a sent request covered counts once, from the first request sent about it.
    "never" is the share still online now. A provider "never answered" when requests were sent
    to it and no verified reply came back and nothing it was asked about was removed.
    """
    req = _requested()
    answered = (
        select(Notice.site)
        .join(MailMessage, MailMessage.notice_id == Notice.id)
        .where(MailMessage.verified.is_(True), Notice.site.is_not(None))
    )
    removed = select(req.c.site).where(req.c.removed_at.is_not(None))
    sent = Notice.sent_at.is_not(None)
    quiet = (Notice.site.not_in(answered), Notice.site.not_in(removed))
    per_site = s.execute(
        select(Notice.site, func.count(), func.min(Notice.sent_at))
        .where(sent, *quiet)
        .group_by(Notice.site)
        .order_by(Notice.site)
    ).all()
    recipients: dict[str, set[str]] = {}
    if per_site:  # distinct recipient lists only: one decoding per list, not per request
        for site, to in s.execute(
            select(Notice.site, cast(Notice.to, Text)).where(sent, *quiet).distinct()
        ).all():
            addresses = json.loads(to) if to else []
            recipients.setdefault(site, set()).update(str(a) for a in addresses or [])
    silent = [
        {
            "site": site,
            "requests_sent": int(count),
            "first_sent_at": _aware(first).isoformat() if first else None,
            "recipients": sorted(recipients.get(site, ())),
        }
        for site, count, first in per_site
    ]
    return {
        "per_site": _distributions(s, req, None, ""),
        "per_network": _distributions(s, req, "rdap-network", "unknown"),
        "per_cdn": _distributions(s, req, "cdn", "none known"),
        "never_answered": silent,
    }


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


def compute(s: Session) -> dict[str, Any]:
    detections, removed, reuploads = s.execute(
        select(
            func.count(),
            func.count(case((Detection.status == "removed", 1))),
            func.count(Detection.previous_id),
        ).select_from(Detection)
    ).one()
    sent = int(s.execute(select(func.count(Notice.sent_at))).scalar_one())
    by_status = {
        str(k): int(v)
        for k, v in s.execute(select(Notice.status, func.count()).group_by(Notice.status)).all()
    }
    to_draft = medians(s, draft_delays())
    to_request = medians(s, request_delays())
    to_removal = medians(s, removal_delays())
    sites = sorted(set(to_draft) | set(to_request) | set(to_removal))

    def median(table: dict[str, tuple[int, float]], site: str) -> float | None:
        return _round(table[site][1]) if site in table else None

    return {
        "detections": int(detections),
        "active": int(detections) - int(removed),
        "removed": int(removed),
        "reuploads": int(reuploads),
        "notices": by_status,
        "notices_sent": sent,
        "median_seconds_to_detect": _round(median_of(s, detect_delays())),
        "median_seconds_to_draft": _round(median_of(s, draft_delays())),
        "median_seconds_to_request": _round(median_of(s, request_delays())),
        "median_seconds_to_removal": _round(median_of(s, removal_delays())),
        "time_to_removal": removal_by_provider(s),
        "per_site": {
            site: {
                "median_seconds_to_draft": median(to_draft, site),
                "median_seconds_to_request": median(to_request, site),
                "median_seconds_to_removal": median(to_removal, site),
                "removed": to_removal[site][0] if site in to_removal else 0,
            }
            for site in sites
        },
    }
