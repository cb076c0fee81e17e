"""Creating and changing sources, audited; shared by the API and the review UI."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from takedown.audit import Event, record
from takedown.store.base import utcnow
from takedown.store.tables import Source


def add_source(s: Session, fields: dict[str, Any], actor: str) -> Source:
    """A new source, due at once (the scheduler polls it on its next tick)."""
    src = Source(**fields, state="idle", next_poll_at=utcnow(), poll_state={})
    s.add(src)
    s.flush()
    record(s, Event("source.create", actor, "source", src.id, {"url": src.url, "kind": src.kind}))
    return src


def change_source(s: Session, src: Source, changes: dict[str, Any], actor: str) -> None:
    for key, value in changes.items():
        setattr(src, key, value)
    # A new interval, or a resumed source, is polled at once rather than at the old time.
    if "interval_seconds" in changes or changes.get("paused") is False:
        src.next_poll_at = utcnow()
    record(s, Event("source.update", actor, "source", src.id, dict(changes)))
