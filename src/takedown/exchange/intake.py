"""One-time intake links: a victim's own device hashes her photos and videos and sends only the
hashes here. A link belongs to one case, expires, and takes one submission."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.audit import Event, record
from takedown.matching.hashes import PdqVariant, ReferenceHashes
from takedown.review.references import store
from takedown.store.base import utcnow
from takedown.store.tables import Case, IntakeLink, Reference

ORIGIN = "victim-device"


class LinkError(Exception):
    """The link is unknown (404-like), or expired or used (410-like): ``gone`` says which."""

    def __init__(self, message: str, gone: bool = False) -> None:
        super().__init__(message)
        self.gone = gone


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_link(session: Session, case: Case, actor: str, minutes: int) -> tuple[IntakeLink, str]:
    """A new link for ``case``; returns the row and the secret (shown once, stored hashed)."""
    token = secrets.token_urlsafe(32)
    row = IntakeLink(
        case_id=case.id,
        token_hash=_hash(token),
        created_by=actor,
        expires_at=utcnow() + timedelta(minutes=minutes),
    )
    session.add(row)
    session.flush()
    data = {"expires_at": row.expires_at.isoformat()}
    record(session, Event("intake_link.create", actor, "case", case.id, data))
    return row, token


def open_link(session: Session, token: str, *, lock: bool = False) -> IntakeLink:
    """The live link for ``token``, or :class:`LinkError`."""
    if not 20 <= len(token) <= 100:
        raise LinkError("this link is not valid")
    query = select(IntakeLink).where(IntakeLink.token_hash == _hash(token))
    row = session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if row is None:
        raise LinkError("this link is not valid")
    if row.used_at is not None:
        raise LinkError("this link was used already: ask your officer for a new one", gone=True)
    if row.expires_at <= utcnow():
        raise LinkError("this link has expired: ask your officer for a new one", gone=True)
    return row


@dataclass(frozen=True)
class Item:
    """One file's hashes as the page computed them."""

    kind: Literal["image", "video"]
    sha256: str
    md5: str | None = None
    pdq: str | None = None
    quality: int | None = None


def accept(session: Session, token: str, items: list[Item]) -> list[Reference]:
    """Store one hash-only reference per item and close the link."""
    link = open_link(session, token, lock=True)
    case = session.get(Case, link.case_id)
    if case is None or case.erased_at is not None:
        raise LinkError("this link is not valid")
    actor = f"intake:{link.id}"
    refs = []
    for item in items:
        pdq = (PdqVariant(item.pdq, item.quality or 0, "supplied"),) if item.pdq else ()
        hashes = ReferenceHashes(
            kind=item.kind, sha256=item.sha256, md5=item.md5, pdq=pdq, source="hashes"
        )
        refs.append(store(session, case.id, hashes, ORIGIN, actor))
    link.used_at = utcnow()
    data = {"references": len(refs), "link": link.id}
    record(session, Event("intake_link.use", actor, "case", case.id, data))
    return refs
