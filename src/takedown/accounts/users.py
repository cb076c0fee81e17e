"""Review-UI users: passwords hashed with argon2id."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.accounts.roles import RANK, Principal
from takedown.accounts.sessions import end_user_sessions
from takedown.audit import Event, record
from takedown.store.tables import User

_hasher = PasswordHasher()
MIN_PASSWORD = 8


def create_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    actor: str = "cli",
    locale: str = "ko",
) -> User:
    if role not in RANK:
        raise ValueError(f"unknown role {role!r}; use admin, officer or viewer")
    if "\x00" in password:
        raise ValueError("the password may not contain NUL")
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"password must have at least {MIN_PASSWORD} characters")
    if (
        not username
        or len(username) > 100
        or not username.isprintable()
        or " " in username
        or "\x00" in username
    ):
        raise ValueError("username must be 1-100 printable characters without spaces")
    if session.execute(select(User.id).where(User.username == username)).first():
        raise ValueError(f"user {username!r} exists already")
    row = User(username=username, password_hash=_hasher.hash(password), role=role, locale=locale)
    session.add(row)
    session.flush()
    record(session, Event("user.create", actor, "user", row.id, {"role": role, "name": username}))
    return row


def login(session: Session, username: str, password: str) -> Principal | None:
    if "\x00" in username or "\x00" in password:
        return None
    row = session.execute(
        select(User).where(User.username == username, User.active.is_(True))
    ).scalar_one_or_none()
    if row is None:
        _hasher.hash(password)  # same cost whether or not the user exists
        return None
    try:
        _hasher.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return Principal("user", row.id, row.username, row.role)


def change_password(session: Session, username: str, password: str, actor: str = "cli") -> User:
    """Set a new password and end every session of the user (a stolen cookie dies with it)."""
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"password must have at least {MIN_PASSWORD} characters")
    row = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if row is None:
        raise ValueError(f"no user {username!r}")
    row.password_hash = _hasher.hash(password)
    ended = end_user_sessions(session, row.id)
    record(session, Event("user.passwd", actor, "user", row.id, {"sessions_ended": ended}))
    return row


def set_active(session: Session, row: User, active: bool, actor: str) -> None:
    """Activate or deactivate; deactivation ends the user's sessions at once."""
    row.active = active
    if not active:
        end_user_sessions(session, row.id)
