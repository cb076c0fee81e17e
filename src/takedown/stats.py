"""The figures a center reports: counts, and times to draft, to request and to removal, per site;
time to removal per provider (site, host network, CDN) as a distribution, and the providers that
never answered.

Every figure is computed by the database (counts, percentiles and shares as aggregates, see
:mod:`takedown.store.sqlfunc`): no request or detection is loaded to be summarised, so the
figures cost the same few queries at a center's volume as on a test's handful of rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, String, Text, case, cast, func, literal, select, union_all
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


def _first_requests(since: datetime | None = None) -> Any:
    """Each first request (not a reminder or escalation) with its site, draft and sending times
    and the first sight of the detections it covers; with ``since``, those created since then.
    A common table expression: time to draft and time to request read it once."""
    q = (
        select(
            Notice.site.label("site"),
            Notice.drafted_at.label("drafted_at"),
            Notice.sent_at.label("sent_at"),
            func.min(Detection.first_seen_at).label("first_seen"),
        )
        .join(notice_detections, notice_detections.c.notice_id == Notice.id)
        .join(Detection, Detection.id == notice_detections.c.detection_id)
        .where(Notice.kind == "initial")
        .group_by(Notice.id, Notice.site, Notice.drafted_at, Notice.sent_at)
    )
    if since is None:
        return q.cte("first_requests")
    return q.where(Notice.created_at >= since).cte("first_requests_since")


_FIRST_REQUESTS = _first_requests()


def draft_delays(since: datetime | None = None) -> Delays:
    """Seconds from the first detection a request covers to its first draft, per request.

    Only first requests count (reminders and escalations are follow-up, not drafting); with
    ``since``, only requests created since then."""
    first = _first_requests(since) if since is not None else _FIRST_REQUESTS
    return select(
        first.c.site, elapsed_seconds(first.c.first_seen, first.c.drafted_at).label("delay")
    ).where(first.c.drafted_at.is_not(None))


def request_delays() -> Delays:
    """Seconds from the first detection a first request covers to its sending, per request."""
    first = _FIRST_REQUESTS
    return select(
        first.c.site, elapsed_seconds(first.c.first_seen, first.c.sent_at).label("delay")
    ).where(first.c.sent_at.is_not(None))


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


@dataclass(frozen=True)
class Summary:
    """One delay figure: how many delays and their median (seconds, unrounded), in all and per
    site (site → (how many, median))."""

    count: int
    median: float | None
    per_site: dict[str, tuple[int, float]]


def summarise(s: Session, figures: dict[str, Delays]) -> dict[str, Summary]:
    """The medians of several delay queries, in all and per site, in one statement: each query
    runs once, as a common table expression that both its totals and its per-site rows read."""
    branches: list[Select[*tuple[Any, ...]]] = []
    for i, (name, delays) in enumerate(figures.items()):
        d = delays.cte(f"delays_{i}")
        figure = (func.count(d.c.delay).label("n"), percentile_of(d.c.delay, 50).label("median"))
        tag = literal(name, String()).label("figure")
        branches.append(
            select(tag, literal(None, String()).label("site"), *figure).where(
                d.c.delay.is_not(None)
            )
        )
        branches.append(
            select(tag, d.c.site, *figure).where(d.c.delay.is_not(None)).group_by(d.c.site)
        )
    out = {name: Summary(0, None, {}) for name in figures}
    per_site: dict[str, dict[str, tuple[int, float]]] = {name: {} for name in figures}
    totals: dict[str, tuple[int, float | None]] = {}
    for name, site, n, m in s.execute(union_all(*branches)).all():
        if site is None:
            totals[name] = (int(n), None if m is None else float(m))
        elif n:
            per_site[name][str(site)] = (int(n), float(m))
    for name in figures:
        count, median = totals.get(name, (0, None))
        out[name] = Summary(count, median, per_site[name])
    return out


def _requested() -> Any:
    """Every detection a sent request covered, once: its site and its time to removal from the
    first request sent about it (NULL while it is still online)."""
    return (
        select(
            func.coalesce(Detection.site, "?").label("site"),
            elapsed_seconds(func.min(Notice.sent_at), Detection.removed_at).label("delay"),
        )
        .join(notice_detections, notice_detections.c.detection_id == Detection.id)
        .join(Notice, Notice.id == notice_detections.c.notice_id)
        .where(Notice.sent_at.is_not(None))
        .group_by(Detection.id, Detection.site, Detection.removed_at)
        .cte("requested")
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


# (grouping, the contact look-up's source naming the provider, the name when it found none)
_GROUPINGS: tuple[tuple[str, str | None, str], ...] = (
    ("per_site", None, ""),
    ("per_network", "rdap-network", "unknown"),
    ("per_cdn", "cdn", "none known"),
)


def _distributions(s: Session) -> dict[str, dict[str, Any]]:
    """Time to removal per site, host network and CDN in one statement (the requested
    detections are gathered once, a common table expression the three groupings read)."""
    req = _requested()
    delay = req.c.delay
    branches: list[Select[*tuple[Any, ...]]] = []
    for grouping, source, unknown in _GROUPINGS:
        key: ColumnElement[Any]
        if source is None:
            key, from_ = req.c.site, req
        else:
            names = _provider_names(source)
            key = func.coalesce(names.c.name, unknown)
            from_ = req.outerjoin(names, names.c.domain == req.c.site)
        branches.append(
            select(
                literal(grouping, String()).label("grouping"),
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
        )
    out: dict[str, dict[str, Any]] = {grouping: {} for grouping, _, _ in _GROUPINGS}
    for grouping, k, *figures in sorted(s.execute(union_all(*branches)).all(), key=lambda r: r[1]):
        out[grouping][str(k)] = _distribution(*figures)
    return out


def removal_by_provider(s: Session) -> dict[str, Any]:
    """Time to removal per site, host network and CDN (p50, p90, share removed within 24 h,
    within 7 days, never), and the providers that never answered a request.

    Every detection a sent request covered counts once, from the first request sent about it.
    "never" is the share still online now. A provider "never answered" when requests were sent
    to it and no verified reply came back and nothing it was asked about was removed.
    """
    answered = (
        select(Notice.site)
        .join(MailMessage, MailMessage.notice_id == Notice.id)
        .where(MailMessage.verified.is_(True), Notice.site.is_not(None))
    )
    sent = Notice.sent_at.is_not(None)
    figures = _distributions(s)
    # Sites where something asked about was removed: read off the per-site distributions.
    removed = sorted(site for site, d in figures["per_site"].items() if d["removed"])
    to = cast(Notice.to, Text)
    # Per silent site and distinct recipient list: one decoding per list, not per request.
    quiet: dict[str, tuple[int, datetime | None, set[str]]] = {}
    for site, addresses, count, first in s.execute(
        select(Notice.site, to, func.count(), func.min(Notice.sent_at))
        .where(sent, Notice.site.not_in(answered), Notice.site.not_in(removed))
        .group_by(Notice.site, to)
    ).all():
        n, earliest, recipients = quiet.get(site, (0, None, set()))
        first = _aware(first) if first is not None else None
        if earliest is None or (first is not None and first < earliest):
            earliest = first
        recipients |= {str(a) for a in (json.loads(addresses) if addresses else None) or []}
        quiet[site] = (n + int(count), earliest, recipients)
    silent = [
        {
            "site": site,
            "requests_sent": count,
            "first_sent_at": first.isoformat() if first else None,
            "recipients": sorted(recipients),
        }
        for site, (count, first, recipients) in sorted(quiet.items())
    ]
    return {**figures, "never_answered": silent}


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
    figures = summarise(
        s,
        {
            "detect": detect_delays(),
            "draft": draft_delays(),
            "request": request_delays(),
            "removal": removal_delays(),
        },
    )
    to_draft, to_request, to_removal = (
        figures[k].per_site for k in ("draft", "request", "removal")
    )
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
        "median_seconds_to_detect": _round(figures["detect"].median),
        "median_seconds_to_draft": _round(figures["draft"].median),
        "median_seconds_to_request": _round(figures["request"].median),
        "median_seconds_to_removal": _round(figures["removal"].median),
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
