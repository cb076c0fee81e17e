"""API tokens: random, shown once, stored as SHA-256 (they are long and random, so no KDF is needed).

A token is named at creation; it may expire (``--expires 90d``) and be revoked by name.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.accounts.roles import TOKEN_ROLES, Principal
from takedown.audit import Event, record
from takedown.store.base import utcnow
from takedown.store.tables import Token

PREFIX = "tdk_"
_DURATION = re.compile(r"^\s*(\d{1,6})\s*([smhdw])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def parse_duration(text: str) -> timedelta:
    """``90d``, ``12h``, ``30m``, ``2w`` or ``45s`` as a timedelta; ValueError otherwise."""
    found = _DURATION.match(text)
    if not found or int(found.group(1)) == 0:
        raise ValueError(f"bad duration {text!r}: use a number and s, m, h, d or w (e.g. 90d)")
    return timedelta(seconds=int(found.group(1)) * _UNITS[found.group(2)])


def create_token(
    session: Session,
    role: str,
    name: str,
    actor: str = "cli",
    expires_in: timedelta | None = None,
) -> tuple[Token, str]:
    if role not in TOKEN_ROLES:
        raise ValueError(f"unknown role {role!r}; use {', '.join(TOKEN_ROLES)}")
    if not name or len(name) > 100 or not name.isprintable():
        raise ValueError("a token name has 1-100 printable characters")
    secret = PREFIX + secrets.token_urlsafe(32)
    expires_at = utcnow() + expires_in if expires_in is not None else None
    row = Token(name=name, role=role, token_hash=_hash(secret), expires_at=expires_at)
    session.add(row)
    session.flush()
    data = {
        "role": role,
        "name": name,
        "expires_at": expires_at.isoformat() if expires_at else None,
    }
    record(session, Event("token.create", actor, "token", row.id, data))
    return row, secret


def list_tokens(session: Session) -> list[Token]:
    return list(session.execute(select(Token).order_by(Token.id)).scalars())


def token_state(row: Token, now: datetime | None = None) -> str:
    """``active``, ``revoked`` or ``expired``."""
    if row.revoked:
        return "revoked"
    if row.expires_at is not None and row.expires_at <= (now or utcnow()):
        return "expired"
    return "active"


def revoke_token(session: Session, name: str, actor: str = "cli") -> int:
    """Revoke every live token called ``name``; returns how many; LookupError when none."""
    rows = list(
        session.execute(select(Token).where(Token.name == name, Token.revoked.is_(False))).scalars()
    )
    if not rows:
        raise LookupError(f"no live token named {name!r}")
    for row in rows:
        row.revoked = True
        record(session, Event("token.revoke", actor, "token", row.id, {"name": name}))
    return len(rows)


def authenticate(session: Session, presented: str) -> Principal | None:
    if not presented.startswith(PREFIX) or len(presented) > 200:
        return None
    row = session.execute(
        select(Token).where(Token.token_hash == _hash(presented), Token.revoked.is_(False))
    ).scalar_one_or_none()
    now = utcnow()
    if row is None or token_state(row, now) != "active":
        return None
    row.last_used_at = now
    return Principal("token", row.id, row.name, row.role)
