"""Server-side review-UI sessions: the cookie holds a random id, the ``sessions`` table decides.

Logout, deactivation and a password change end sessions in the table, so a cookie copied before
any of them is refused afterwards, whatever its signature says.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from takedown.store.base import utcnow
from takedown.store.tables import UiSession, User

# last_seen_at is written at most this often, so browsing does not write on every request.
_TOUCH = timedelta(seconds=60)


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class LiveSession:
    user_id: int
    pending_totp: bool


def open_session(
    session: Session, user_id: int, lifetime: timedelta, *, pending_totp: bool = False
) -> str:
    """A new session for ``user_id``; returns the raw id to put in the cookie."""
    raw = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        UiSession(
            id_hash=_hash(raw),
            user_id=user_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime,
            pending_totp=pending_totp,
        )
    )
    session.flush()
    return raw


def lookup(session: Session, raw: str) -> LiveSession | None:
    """The live session behind a cookie's id (not revoked, not expired, user active)."""
    if not raw or len(raw) > 100:
        return None
    row = session.execute(
        select(UiSession)
        .join(User, User.id == UiSession.user_id)
        .where(UiSession.id_hash == _hash(raw), UiSession.revoked.is_(False), User.active.is_(True))
    ).scalar_one_or_none()
    now = utcnow()
    if row is None or row.expires_at <= now:
        return None
    if now - row.last_seen_at > _TOUCH:
        row.last_seen_at = now
    return LiveSession(row.user_id, row.pending_totp)


def confirm_second_factor(session: Session, raw: str) -> None:
    session.execute(
        update(UiSession).where(UiSession.id_hash == _hash(raw)).values(pending_totp=False)
    )


def end_session(session: Session, raw: str) -> None:
    session.execute(update(UiSession).where(UiSession.id_hash == _hash(raw)).values(revoked=True))


def end_user_sessions(session: Session, user_id: int, keep: str | None = None) -> int:
    """Revoke every session of a user (but ``keep``, the caller's own); returns how many."""
    q = update(UiSession).where(UiSession.user_id == user_id, UiSession.revoked.is_(False))
    if keep is not None:
        q = q.where(UiSession.id_hash != _hash(keep))
    result = session.execute(q.values(revoked=True))
    return int(getattr(result, "rowcount", 0) or 0)


def list_sessions(session: Session, user_id: int | None = None) -> list[UiSession]:
    q = select(UiSession).where(UiSession.revoked.is_(False), UiSession.expires_at > utcnow())
    if user_id is not None:
        q = q.where(UiSession.user_id == user_id)
    return list(session.execute(q.order_by(UiSession.id)).scalars())


def revoke_by_id(session: Session, session_id: int) -> None:
    session.execute(update(UiSession).where(UiSession.id == session_id).values(revoked=True))
