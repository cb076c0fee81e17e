"""The figures a center reports: counts, and times to draft, to request and to removal, per site."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from statistics import median
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from takedown.store.tables import Detection, Notice, notice_detections


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


def compute(s: Session) -> dict[str, Any]:

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
