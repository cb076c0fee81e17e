"""What to tell officers, read from the audit log: every stage already records what happened
(a detection, a reply, a bounce, a failed send), so alerts need no hook in any stage.

A cursor (the last audit entry dispatched) is itself an audit entry, ``alerts.dispatched``; events
are grouped per kind and case, so a burst of fifty detections is one alert with a count.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from takedown.alerts.events import AlertEvent
from takedown.audit import Event, record
from takedown.store.tables import AuditEvent, Notice, Source

CURSOR = "alerts.dispatched"
FAILING_ALERTED = "source.failing_alerted"
BATCH = 5000
# Audit actions → alert kinds. Actions of the mailbox are matched by prefix (see _kind).
ACTIONS = {"detection.create": "detection", "notice.send_failed": "send_failed"}
FAILING_AFTER = timedelta(hours=1)


def _kind(action: str, data: dict[str, object]) -> str | None:
    if action == "notice.send_failed":
        return "send_failed" if data.get("retry_at") is None else None  # not while retrying
    if action in ACTIONS:
        return ACTIONS[action]
    if action.startswith(("notice.bounce", "mail.bounce")):
        return "bounce"
    if action.startswith(("notice.reply", "mail.reply")):
        return "reply"
    return None


def _cursor(s: Session) -> int | None:
    last = s.execute(
        select(AuditEvent.data).where(AuditEvent.action == CURSOR).order_by(AuditEvent.id.desc())
    ).first()
    return int(last[0].get("through", 0)) if last is not None else None


def collect(s: Session, now: datetime) -> list[AlertEvent]:
    """The alerts due since the cursor (and sources failing for an hour); advances the cursor
    in the caller's transaction."""
    through = _cursor(s)
    if through is None:
        # The first run: alert from now on, not about the whole history.
        end = int(s.execute(select(func.coalesce(func.max(AuditEvent.id), 0))).scalar_one())
        record(s, Event(CURSOR, "system:alerts", "audit", end, {"through": end, "groups": {}}))
        return []
    rows = list(
        s.execute(
            select(AuditEvent).where(AuditEvent.id > through).order_by(AuditEvent.id).limit(BATCH)
        ).scalars()
    )
    groups: dict[tuple[str, int | None], list[int]] = defaultdict(list)
    for row in rows:
        kind = _kind(row.action, row.data)
        if kind is None:
            continue
        case_id: int | None
        if kind == "detection":
            raw = row.data.get("case")
            case_id = int(raw) if isinstance(raw, int) else None
        else:
            notice = s.get(Notice, int(row.object_id)) if row.object_id.isdigit() else None
            case_id = notice.case_id if notice is not None else None
        groups[(kind, case_id)].append(int(row.object_id) if row.object_id.isdigit() else 0)
    events = [
        AlertEvent(
            kind,
            case_id,
            count=len(ids),
            object_ids=tuple(i for i in ids if i),
            path=_path(kind, case_id),
        )
        for (kind, case_id), ids in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0))
    ]
    events += _failing_sources(s, now)
    if rows:
        counts = {f"{k}:{c}": len(v) for (k, c), v in groups.items()}
        record(
            s,
            Event(
                CURSOR,
                "system:alerts",
                "audit",
                rows[-1].id,
                {"through": rows[-1].id, "groups": counts},
            ),
        )
    return events


def _path(kind: str, case_id: int | None) -> str:
    if kind == "detection":
        return f"/cases/{case_id}" if case_id is not None else "/queue"
    return "/notices"


def _failing_sources(s: Session, now: datetime) -> list[AlertEvent]:
    """One alert per failing episode of a source (failing_since changes when it recovers)."""
    out = []
    failing = s.execute(
        select(Source).where(
            Source.failing_since.is_not(None),
            Source.failing_since <= now - FAILING_AFTER,
            Source.deleted.is_(False),
        )
    ).scalars()
    for src in failing:
        since = src.failing_since.isoformat() if src.failing_since else ""
        told = s.execute(
            select(AuditEvent.data).where(
                AuditEvent.action == FAILING_ALERTED,
                AuditEvent.object_type == "source",
                AuditEvent.object_id == str(src.id),
            )
        ).scalars()
        if any(data.get("since") == since for data in told):
            continue
        record(s, Event(FAILING_ALERTED, "system:alerts", "source", src.id, {"since": since}))
        out.append(AlertEvent("source_failing", src.case_id, object_ids=(src.id,), path="/sources"))
    return out
