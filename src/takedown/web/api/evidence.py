"""Evidence: the manifest of a capture, and its artifacts (every read audited)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Response, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.accounts.roles import Principal
from takedown.audit import Event, record
from takedown.evidence.record import EvidenceRecord
from takedown.evidence.store import StoreError
from takedown.evidence.vault import VaultError
from takedown.evidence.verify import ArtifactRow, verify_evidence
from takedown.pipeline import evidence as ev_store
from takedown.pipeline.runtime import Runtime
from takedown.store.tables import Artifact, Evidence
from takedown.web.api.common import Out, get_or_404
from takedown.web.deps import db_session, officer, runtime, viewer

router = APIRouter(prefix="/evidence", tags=["evidence"])


class ArtifactOut(Out):
    name: str
    kind: str
    media_type: str
    size: int
    sha256: str
    encrypted: bool


class EvidenceOut(Out):
    id: int
    key: str
    page_url: str
    state: str
    error: str | None
    captured_at: datetime | None
    custody_entry: str | None
    artifacts: list[ArtifactOut]
    manifest: dict[str, Any]


def _out(s: Session, ev: Evidence) -> EvidenceOut:
    arts = s.execute(select(Artifact).where(Artifact.evidence_id == ev.id).order_by(Artifact.id))
    return EvidenceOut(
        id=ev.id,
        key=ev.key,
        page_url=ev.page_url,
        state=ev.state,
        error=ev.error,
        captured_at=ev.captured_at,
        custody_entry=ev.custody_entry,
        manifest=ev.manifest,
        artifacts=[ArtifactOut.model_validate(a) for a in arts.scalars()],
    )


@router.get("/{evidence_id}", response_model=EvidenceOut)
def get_evidence(
    evidence_id: int, s: Session = Depends(db_session), _: Principal = Depends(viewer)
) -> EvidenceOut:
    return _out(s, get_or_404(s, Evidence, evidence_id, "evidence"))


@router.get("/{evidence_id}/artifacts/{name:path}")
def get_artifact(
    evidence_id: int,
    name: str,
    rt: Runtime = Depends(runtime),
    who: Principal = Depends(officer),
) -> Response:
    with rt.db.session() as s:
        ev = get_or_404(s, Evidence, evidence_id, "evidence")
        art = s.execute(
            select(Artifact).where(Artifact.evidence_id == ev.id, Artifact.name == name)
        ).scalar_one_or_none()
        if art is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no artifact {name!r}")
        key, media_type = ev.key, art.media_type
        # Audited before the bytes leave: a read that fails half-way is still on record.
        record(s, Event("evidence.read", who.actor, "evidence", ev.id, {"artifact": name}))
    try:
        data = EvidenceRecord.open(ev_store.store(rt), key, vault=ev_store.vault(rt)).read(name)
    except (StoreError, VaultError) as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, f"artifact unreadable: {exc}") from exc
    return Response(
        data,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name.rsplit("/", 1)[-1]}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post("/{evidence_id}/verify")
def verify(
    evidence_id: int, rt: Runtime = Depends(runtime), who: Principal = Depends(officer)
) -> dict[str, Any]:
    with rt.db.session() as s:
        ev = get_or_404(s, Evidence, evidence_id, "evidence")
        key = ev.key
        q = select(Artifact).where(Artifact.evidence_id == evidence_id)
        rows = [ArtifactRow(a.name, a.sha256, a.size) for a in s.execute(q).scalars()]
    signer = rt.services.signer
    report = verify_evidence(
        ev_store.store(rt),
        key,
        vault=ev_store.vault(rt),
        verifier=signer,
        heads=signer.heads,
        rows=rows,
    )
    with rt.db.session() as s:
        record(s, Event("evidence.verify", who.actor, "evidence", evidence_id, {"ok": report.ok}))
    return {
        "ok": report.ok,
        "problems": [{"name": p.subject, "detail": p.detail} for p in report.problems],
    }
