"""Adding a case's references from the review UI: an upload hashed in memory and discarded, or
hashes pasted by an officer (computed on the victim's own device)."""

from __future__ import annotations

from typing import Literal, cast

from sqlalchemy.orm import Session

from takedown.audit import Event, record
from takedown.matching.hashes import ReferenceHashes
from takedown.matching.hashing import HashLimits, hash_reference
from takedown.media.errors import MediaError
from takedown.store.tables import Reference

ALGORITHMS = ("pdq", "vpdq", "sha256", "md5")


class ReferenceInputError(ValueError):
    """The upload or the pasted hashes cannot make a reference; the message says why."""


def add_upload(
    session: Session, case_id: int, data: bytes, actor: str, limits: HashLimits | None = None
) -> Reference:
    """Hash `data` and store only the hashes. The caller drops `data` once this returns."""
    try:
        hashes = hash_reference(data, limits)
    except MediaError as exc:
        raise ReferenceInputError(str(exc)) from exc
    return store(session, case_id, hashes, "upload", actor)


def add_hash_list(
    session: Session, case_id: int, algorithm: str, hashes: list[str], actor: str
) -> list[Reference]:
    """Hash-only intake: each PDQ, SHA-256 or MD5 is one original; vPDQ lines are one video."""
    if algorithm not in ALGORITHMS:
        raise ReferenceInputError(f"unknown algorithm {algorithm!r}: use {', '.join(ALGORITHMS)}")
    alg = cast(Literal["pdq", "vpdq", "sha256", "md5"], algorithm)
    groups = [hashes] if alg == "vpdq" else [[h] for h in hashes]
    try:
        parsed = [ReferenceHashes.from_hashes(alg, group) for group in groups]
    except ValueError as exc:
        raise ReferenceInputError(str(exc)) from exc
    return [store(session, case_id, h, "hash-intake", actor) for h in parsed]


def add_hashes(session: Session, case_id: int, algorithm: str, text: str, actor: str) -> Reference:
    """References from pasted hashes, one per line; returns the last one made."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return add_hash_list(session, case_id, algorithm, lines, actor)[-1]


def store(
    session: Session, case_id: int, hashes: ReferenceHashes, origin: str, actor: str
) -> Reference:
    kind = hashes.kind
    row = Reference(
        case_id=case_id, kind=kind, origin=origin, sha256=hashes.sha256, hashes=hashes.to_dict()
    )
    session.add(row)
    session.flush()
    record(
        session,
        Event(
            "reference.add",
            actor,
            "reference",
            row.id,
            {"case": case_id, "origin": origin, "kind": hashes.kind, "pdq": len(hashes.pdq)},
        ),
    )
    return row
