"""Retention: an artifact of each evidence kind is deleted once older than its period, unless its
capture was handed to the police. A periodic job of the pipeline (``enforce_retention``).

Each deletion leaves a tombstone line in the item's ``retention.jsonl`` (name, SHA-256, time,
policy), signed with the installation's key, so ``evidence verify`` tells a file deleted under
the policy from a file that went missing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.audit import Event, record
from takedown.config import Settings
from takedown.evidence.signing import Signer
from takedown.evidence.store import EvidenceStore, StoreError, open_store
from takedown.evidence.verify import RETENTION_LOG, tombstone_body
from takedown.store.tables import Artifact, Evidence


@dataclass(frozen=True)
class Expired:
    artifacts: int
    by_kind: dict[str, int]


def retire_artifact(
    store: EvidenceStore,
    key: str,
    name: str,
    sha256: str,
    now: datetime,
    policy: str,
    signer: Signer | None,
) -> None:
    """Write the (signed) tombstone, then delete the file."""
    line = {"name": name, "sha256": sha256, "deleted_at": now.isoformat(), "policy": policy}
    if signer is not None:
        line["signature"] = signer.sign(tombstone_body(line))
    store.append(key, RETENTION_LOG, (json.dumps(line, sort_keys=True) + "\n").encode())
    store.delete(key, name)


def enforce_retention(
    session: Session,
    settings: Settings,
    now: datetime,
    *,
    store: EvidenceStore | None = None,
    signer: Signer | None = None,
) -> Expired:
    """Delete expired artifacts (file and row) in this transaction; audited, one event a run."""
    store = store or open_store(settings.evidence_url or settings.evidence_dir)
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
            policy = f"retention_days[{kind}]={days}"
            try:
                retire_artifact(store, key, art.name, art.sha256, now, policy, signer)
            except StoreError:
                continue  # the item's folder is gone or read-only: the row stays, tried again
            session.delete(art)
        if rows:
            by_kind[kind] = len(rows)
    total = sum(by_kind.values())
    if total:
        record(session, Event("evidence.retention", "system", "evidence", "-", by_kind))
    return Expired(total, by_kind)
