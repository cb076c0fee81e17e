"""The hash-chained audit log: every state change and every read of evidence, append-only.

Each entry's hash is the SHA-256 of a canonical JSON of its fields plus the previous entry's hash,
so changing, removing or reordering any entry breaks every hash after it. With a signer installed
for the database (:func:`install_signer`), each hash is signed with Ed25519 and, after each commit,
the signed head (id and hash of the newest entry) is advanced in the head store beside the key:
re-hashing the chain or cutting its end off then fails :func:`verify`. The table is append-only
(migration 0008: triggers, and no UPDATE/DELETE grant for the application role).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import event as sa_event
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from takedown.evidence.signing import AUDIT_CHAIN, HeadStore, Signer, Verifier
from takedown.store.base import utcnow
from takedown.store.tables import AuditEvent

GENESIS = "0" * 64
_SIGNERS: WeakKeyDictionary[Engine, Signer] = WeakKeyDictionary()


def install_signer(engine: Engine, signer: Signer | None) -> None:
    """Sign every entry recorded through ``engine`` from now on (None stops signing)."""
    if signer is None:
        _SIGNERS.pop(engine, None)
    else:
        _SIGNERS[engine] = signer


def _signer_for(session: Session) -> Signer | None:
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    return _SIGNERS.get(engine)


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
    signer = _signer_for(session)
    if signer is not None:
        row.signature = signer.sign(row.hash.encode())
    session.add(row)
    session.flush()
    heads = signer.heads if signer is not None else None
    if signer is not None and heads is not None:
        last_id, last_hash = row.id, row.hash

        def advance(_session: Session) -> None:
            heads.advance(signer, AUDIT_CHAIN, last_id, last_hash)

        sa_event.listen(session, "after_commit", advance, once=True)
    return row


@dataclass(frozen=True)
class ChainProblem:
    entry_id: int
    reason: str


def _iter(session: Session) -> Iterator[AuditEvent]:
    yield from session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars()


@dataclass(frozen=True)
class AuditReport:
    count: int
    problems: list[ChainProblem]
    legacy_unsigned: int = 0
    signed: int = 0


def verify(session: Session) -> tuple[int, list[ChainProblem]]:
    """Walk the whole chain; return how many entries were checked and every problem found.

    With a signer installed for the database its signatures and signed head are checked too.
    """
    signer = _signer_for(session)
    report = verify_signed(session, signer, signer.heads if signer is not None else None)
    return report.count, report.problems


def verify_signed(
    session: Session, verifier: Verifier | None, heads: HeadStore | None
) -> AuditReport:
    """The chain, each signature (unsigned entries before the first signed one are legacy) and
    the signed head: an entry it names must still be there, with the same hash."""
    prev = GENESIS
    count = legacy = signed = 0
    problems: list[ChainProblem] = []
    head = heads.get(AUDIT_CHAIN) if heads is not None else None
    head_seen = False
    last_id = 0
    for row in _iter(session):
        count += 1
        last_id = row.id
        if row.prev_hash != prev:
            problems.append(ChainProblem(row.id, "does not link to the entry before it"))
        if _digest(row.prev_hash, row.at, row) != row.hash:
            problems.append(ChainProblem(row.id, "content does not match its hash"))
        if verifier is not None:
            if row.signature is None and signed == 0:
                legacy += 1
            elif row.signature is None:
                problems.append(ChainProblem(row.id, "unsigned entry after signed ones"))
            else:
                signed += 1
                if not verifier.valid(row.hash.encode(), row.signature):
                    problems.append(ChainProblem(row.id, "signature does not match the entry"))
        if head is not None and row.id == head.count:
            head_seen = True
            if row.hash != head.last:
                problems.append(ChainProblem(row.id, "entry differs from the signed head"))
        prev = row.hash
    if head is not None:
        if verifier is not None and not verifier.head_valid(head):
            problems.append(ChainProblem(head.count, "the signed head's signature does not match"))
        if not head_seen:
            problems.append(
                ChainProblem(
                    head.count,
                    f"truncated: the signed head names entry {head.count}, the log ends at "
                    f"{last_id}",
                )
            )
    elif heads is not None and signed:
        problems.append(ChainProblem(0, "signed entries but no signed head beside the key"))
    return AuditReport(count, problems, legacy, signed)
