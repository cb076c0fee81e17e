"""The hash-chained audit log: every state change and every read of evidence, append-only.

Each entry's hash is the SHA-256 of a canonical JSON of its fields plus the previous entry's hash,
so changing, removing or reordering any entry breaks every hash after it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from takedown.store.base import utcnow
from takedown.store.tables import AuditEvent

GENESIS = "0" * 64


@dataclass(frozen=True)
class Event:
    """Something that happened, by whom, to what."""

    action: str
    actor: str
    object_type: str
    object_id: str | int
    data: dict[str, Any] = field(default_factory=dict)


def _digest(prev_hash: str, at: datetime, ev: Event | AuditEvent) -> str:
    body = {
        "prev": prev_hash,
        "at": at.isoformat(),
        "actor": ev.actor,
        "action": ev.action,
        "object_type": ev.object_type,
        "object_id": str(ev.object_id),
        "data": ev.data,
    }
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def record(session: Session, event: Event) -> AuditEvent:
    """Append `event` inside the caller's transaction, so it commits with the change it describes."""
    if session.get_bind().dialect.name == "postgresql":
        # Serialise appenders until commit; on SQLite, BEGIN IMMEDIATE already does.
        session.execute(text("SELECT pg_advisory_xact_lock(727001)"))
    last = session.execute(
        select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).scalar_one_or_none()
    prev = last or GENESIS
    at = utcnow()
    row = AuditEvent(
        at=at,
        actor=event.actor,
        action=event.action,
        object_type=event.object_type,
        object_id=str(event.object_id),
        data=event.data,
        prev_hash=prev,
        hash=_digest(prev, at, event),
    )
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class ChainProblem:
    entry_id: int
    reason: str


def _iter(session: Session) -> Iterator[AuditEvent]:
    yield from session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars()


def verify(session: Session) -> tuple[int, list[ChainProblem]]:
    """Walk the whole chain; return how many entries were checked and every problem found."""
    prev = GENESIS
    count = 0
    problems: list[ChainProblem] = []
    for row in _iter(session):
        count += 1
        if row.prev_hash != prev:
            problems.append(ChainProblem(row.id, "does not link to the entry before it"))
        if _digest(row.prev_hash, row.at, row) != row.hash:
            problems.append(ChainProblem(row.id, "content does not match its hash"))
        prev = row.hash
    return count, problems
