"""Reference faces of a case (for "same person" candidates): a photo in, an embedding out.

The photo is decoded in memory and dropped; the embedding is biometric data, so it is stored
encrypted with the vault key and decrypted only inside the triage worker.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.audit import Event, record
from takedown.evidence.vault import Vault
from takedown.store.tables import CaseFace
from takedown.triage.base import ModelInfo, TriageError, registry
from takedown.triage.extra import available
from takedown.triage.faces import (
    FaceEmbedder,
    ReferenceFace,
    embedding_from_bytes,
    embedding_to_bytes,
)
from takedown.triage.images import prepare

VAULT_KEY = "case-faces"


class FaceInputError(ValueError):
    """No usable face in the photo, or triage is not installed; the message says which."""


def _aad(case_id: int) -> str:
    return f"case-{case_id}"


def add_face(session: Session, vault: Vault, case_id: int, photo: bytes, actor: str) -> CaseFace:
    ok, why = available()
    if not ok:
        raise FaceInputError(why)
    embedder = registry.get("dlib-face")
    if not isinstance(embedder, FaceEmbedder):
        raise FaceInputError("the face model registered as dlib-face is not an embedder")
    try:
        ref = embedder.reference(f"case-{case_id}", prepare(photo))
    except TriageError as exc:
        raise FaceInputError(str(exc)) from exc
    blob = vault.encrypt(
        embedding_to_bytes(ref.embedding), evidence_key=VAULT_KEY, name=_aad(case_id)
    )
    row = CaseFace(
        case_id=case_id, model_name=ref.model.name, model_version=ref.model.version, embedding=blob
    )
    session.add(row)
    session.flush()
    record(
        session,
        Event("case.face_add", actor, "case", case_id, {"face": row.id, "model": ref.model.name}),
    )
    return row


def reference_faces(
    session: Session, vault: Vault, case_ids: set[int] | None = None
) -> list[ReferenceFace]:
    """Every stored reference face as triage's ReferenceFace, ref_id "case:face"."""
    q = select(CaseFace)
    if case_ids is not None:
        q = q.where(CaseFace.case_id.in_(case_ids))
    out = []
    for row in session.execute(q).scalars():
        raw = vault.decrypt(row.embedding, evidence_key=VAULT_KEY, name=_aad(row.case_id))
        out.append(
            ReferenceFace(
                f"{row.case_id}:{row.id}",
                embedding_from_bytes(raw),
                ModelInfo(row.model_name, row.model_version),
            )
        )
    return out
