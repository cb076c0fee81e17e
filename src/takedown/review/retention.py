"""Retention: an artifact of each evidence kind is deleted once older than its period, unless its
capture was handed to the police. A periodic job the pipeline schedules (daily is enough)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.audit import Event, record
from takedown.config import Settings
from takedown.evidence.store import StoreError, open_store
from takedown.store.tables import Artifact, Evidence


@dataclass(frozen=True)
class Expired:
    artifacts: int
    by_kind: dict[str, int]


def enforce_retention(session: Session, settings: Settings, now: datetime) -> Expired:
    """Delete expired artifacts (file and row) in this transaction; audited, one event a run."""
    store = open_store(settings.evidence_dir)
    by_kind: dict[str, int] = {}
    for kind, days in sorted(settings.retention_days.items()):
        cutoff = now - timedelta(days=days)
        rows = session.execute(
            select(Artifact, Evidence.key)
            .join(Evidence, Evidence.id == Artifact.evidence_id)
            .where(
                Artifact.kind == kind,
                Evidence.handed_over_at.is_(None),
                Evidence.created_at < cutoff,
            )
        ).all()
        for art, key in rows:
            try:
                path = store.local_path(key, art.name)
            except StoreError:
                path = None
            if path is not None:
                Path(path).unlink(missing_ok=True)
            session.delete(art)
        if rows:
            by_kind[kind] = len(rows)
    total = sum(by_kind.values())
    if total:
        record(session, Event("evidence.retention", "system", "evidence", "-", by_kind))
    return Expired(total, by_kind)
