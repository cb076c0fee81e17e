"""API tokens: random, shown once, stored as SHA-256 (they are long and random, so no KDF is needed)."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.accounts.roles import RANK, Principal
from takedown.audit import Event, record
from takedown.store.base import utcnow
from takedown.store.tables import Token

PREFIX = "tdk_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(session: Session, role: str, name: str, actor: str = "cli") -> tuple[Token, str]:
    if role not in RANK:
        raise ValueError(f"unknown role {role!r}; use admin, officer or viewer")
    secret = PREFIX + secrets.token_urlsafe(32)
    row = Token(name=name, role=role, token_hash=_hash(secret))
    session.add(row)
    session.flush()
    record(session, Event("token.create", actor, "token", row.id, {"role": role, "name": name}))
    return row, secret


def authenticate(session: Session, presented: str) -> Principal | None:
    if not presented.startswith(PREFIX) or len(presented) > 200:
        return None
    row = session.execute(
        select(Token).where(Token.token_hash == _hash(presented), Token.revoked.is_(False))
    ).scalar_one_or_none()
    if row is None:
        return None
    row.last_used_at = utcnow()
    return Principal("token", row.id, row.name, row.role)
