"""The figures a center reports: counts, and times to draft, to request and to removal, per site."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
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

    first_seen: dict[int, datetime] = {}
    rows = s.execute(
        select(notice_detections.c.notice_id, func.min(Detection.first_seen_at))
        .join(Detection, Detection.id == notice_detections.c.detection_id)
        .group_by(notice_detections.c.notice_id)
    ).all()
    first_seen = {nid: at for nid, at in rows}

    to_draft: dict[str, list[float]] = defaultdict(list)
    to_request: dict[str, list[float]] = defaultdict(list)
    for n in s.execute(select(Notice).where(Notice.kind == "initial")).scalars():
        seen = first_seen.get(n.id)
        if (d := _seconds(seen, n.drafted_at)) is not None:
            to_draft[n.site].append(d)
        if (d := _seconds(seen, n.sent_at)) is not None:
            to_request[n.site].append(d)

    to_removal: dict[str, list[float]] = defaultdict(list)
    to_detect: list[float] = []
    for det in s.execute(select(Detection)).scalars():
        if (
            det.status == "removed"
            and (d := _seconds(det.first_seen_at, det.removed_at)) is not None
        ):
            to_removal[det.site].append(d)
        if (d := _seconds(det.published_at, det.first_seen_at)) is not None:
            to_detect.append(d)

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
