"""Erasure of a case on the victim's withdrawal (PIPA): hashes, faces and case text go; what the
law requires of evidence already handed to the police stays, and the answer says what and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, func, select, text, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from takedown.audit import Event, record
from takedown.evidence.store import EvidenceStore, StoreError
from takedown.store.base import utcnow
from takedown.store.tables import (
    Artifact,
    Case,
    CaseFace,
    Detection,
    Evidence,
    Media,
    Notice,
    Page,
    Reference,
    Source,
)

KEPT_REASON = (
    "handed to the police on {at}: kept as evidence of a criminal investigation "
    "(Criminal Procedure Act; PIPA Art. 21(1) proviso)"
)


@dataclass(frozen=True)
class Kept:
    evidence_id: int
    detection_ids: tuple[int, ...]
    reason: str


@dataclass
class Erasure:
    case_id: int
    reference_ids: list[int] = field(default_factory=list)  # to release from the matcher
    references: int = 0
    faces: int = 0
    detections: int = 0
    notices: int = 0
    evidence: int = 0
    artifacts: int = 0
    pages_scrubbed: int = 0
    kept: list[Kept] = field(default_factory=list)


def _delete_files(store: EvidenceStore, key: str, names: list[str]) -> None:
    for name in names:
        try:
            path = store.local_path(key, name)
        except StoreError:
            continue
        if path is not None:
            Path(path).unlink(missing_ok=True)


def _shared_elsewhere(
    s: Session, column: InstrumentedAttribute[Any], ids: set[int], case_id: int
) -> set[int]:
    """Of `ids`, those another case's detection also points at (they stay)."""
    if not ids:
        return set()
    rows = s.execute(select(column).where(column.in_(ids), Detection.case_id != case_id)).scalars()
    return {int(v) for v in rows}


def erase_case(s: Session, case: Case, store: EvidenceStore, actor: str) -> Erasure:
    """Erase `case` in this transaction. Call `vacuum(s)` after the commit on SQLite."""
    out = Erasure(case.id)
    dets = list(s.execute(select(Detection).where(Detection.case_id == case.id)).scalars())
    handed = {
        e.id: e
        for e in s.execute(
            select(Evidence).where(
                Evidence.id.in_({d.evidence_id for d in dets if d.evidence_id is not None}),
                Evidence.handed_over_at.is_not(None),
            )
        ).scalars()
    }
    kept_dets = [d for d in dets if d.evidence_id in handed]
    gone = [d for d in dets if d.evidence_id not in handed]
    for ev in handed.values():
        at = ev.handed_over_at.isoformat() if ev.handed_over_at else ""
        ids = tuple(d.id for d in kept_dets if d.evidence_id == ev.id)
        out.kept.append(Kept(ev.id, ids, KEPT_REASON.format(at=at)))
    for d in kept_dets:  # the finding stays; what ties it to the victim does not
        d.detail = {}
        d.reference_id = None

    evidence_ids = {d.evidence_id for d in gone if d.evidence_id is not None} - set(handed)
    evidence_ids -= _shared_elsewhere(s, Detection.evidence_id, evidence_ids, case.id)
    page_ids = {d.page_id for d in gone} - _shared_elsewhere(
        s, Detection.page_id, {d.page_id for d in gone}, case.id
    )
    media_ids = {d.media_id for d in gone if d.media_id is not None}
    media_ids -= _shared_elsewhere(s, Detection.media_id, media_ids, case.id)
    page_ids -= {ev.page_id for ev in handed.values()}

    for ev in s.execute(select(Evidence).where(Evidence.id.in_(evidence_ids))).scalars():
        names = [
            a.name
            for a in s.execute(select(Artifact).where(Artifact.evidence_id == ev.id)).scalars()
        ]
        _delete_files(store, ev.key, [*names, *store.names(ev.key)])
        out.artifacts += len(names)
    if evidence_ids:
        s.execute(
            update(Detection)
            .where(Detection.evidence_id.in_(evidence_ids))
            .values(evidence_id=None)
        )
        s.execute(delete(Artifact).where(Artifact.evidence_id.in_(evidence_ids)))
        s.execute(delete(Evidence).where(Evidence.id.in_(evidence_ids)))
    out.evidence = len(evidence_ids)

    kept_ids = [d.id for d in kept_dets]
    notices = s.execute(select(Notice).where(Notice.case_id == case.id)).scalars().all()
    for n in notices:
        if kept_ids:  # a sent request about evidence the police hold: kept, without case text
            n.case_id = None
            n.subject = ""
            n.body = ""
        else:
            s.delete(n)
            out.notices += 1
    for d in gone:
        s.delete(d)
    out.detections = len(gone)

    for page in s.execute(select(Page).where(Page.id.in_(page_ids))).scalars():
        page.title = None
        page.excerpt = None
        page.keyword_hits = []
        page.content_sha256 = None
        out.pages_scrubbed += 1
    for m in s.execute(select(Media).where(Media.id.in_(media_ids))).scalars():
        m.hashes = {}
        m.sha256 = None
        m.md5 = None
        m.triage = {}

    out.reference_ids = list(
        s.execute(select(Reference.id).where(Reference.case_id == case.id)).scalars()
    )
    out.references = len(out.reference_ids)
    out.faces = s.execute(
        select(func.count()).select_from(CaseFace).where(CaseFace.case_id == case.id)
    ).scalar_one()
    s.execute(delete(Reference).where(Reference.case_id == case.id))
    s.execute(delete(CaseFace).where(CaseFace.case_id == case.id))
    for src in s.execute(select(Source).where(Source.case_id == case.id)).scalars():
        src.paused = True
        src.keywords = []

    case.name = f"erased case {case.id}"
    case.keywords = []
    case.notes = None
    case.victim_reference = None
    case.consent = {}
    case.status = "closed"
    case.closed_at = case.closed_at or utcnow()
    case.erased_at = utcnow()
    s.flush()
    record(
        s,
        Event(
            "case.erase",
            actor,
            "case",
            case.id,
            {
                "references": out.references,
                "faces": out.faces,
                "detections": out.detections,
                "notices": out.notices,
                "evidence": out.evidence,
                "kept_evidence": [k.evidence_id for k in out.kept],
            },
        ),
    )
    return out


def vacuum(engine: Engine) -> None:
    """Rewrite the database so erased rows leave no bytes behind; call after the commit.

    SQLite: secure_delete overwrites freed pages, VACUUM rebuilds the file and the WAL is
    checkpointed and truncated so no old page survives there. PostgreSQL: VACUUM the tables.
    """
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()  # outside SQLAlchemy's BEGIN IMMEDIATE: VACUUM needs that
        try:
            cur = raw.cursor()
            cur.execute("PRAGMA secure_delete=ON")
            cur.execute("VACUUM")
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cur.close()
        finally:
            raw.close()
    elif engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            for table in ("references", "case_faces", "cases", "pages", "media", "detections"):
                conn.execute(text(f'VACUUM "{table}"'))
