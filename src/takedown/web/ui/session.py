"""Sessions of the review UI: the signing secret, the logged-in user on every request, CSRF tokens.

The session is a signed cookie (Starlette's ``SessionMiddleware``, itsdangerous) holding a random
session id, a CSRF token and the language. The id is looked up in the ``sessions`` table on every
request (with the user row), so logout, deactivation, a password change or a changed role take
effect at once, and a cookie copied before a logout is worthless after it.
"""

from __future__ import annotations

import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anyio import to_thread
from sqlalchemy import select
from starlette.types import ASGIApp, Receive, Scope, Send

from takedown.accounts.roles import Principal
from takedown.accounts.sessions import lookup
from takedown.config import Settings
from takedown.pipeline.runtime import Runtime
from takedown.store.tables import User

COOKIE = "takedown_session"
MAX_AGE = 8 * 3600
KEY_FILE = "session.key"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def session_secret(settings: Settings) -> str:
    """`settings.session_secret`, else a random key made once and kept in the home (0600)."""
    if settings.session_secret is not None:
        return settings.session_secret.get_secret_value()
    path = Path(settings.home) / KEY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text("ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secrets.token_urlsafe(48))
    return path.read_text("ascii").strip()


@dataclass(frozen=True)
class UiUser:
    principal: Principal
    username: str
    locale: str

    @property
    def role(self) -> str:
        return self.principal.role


def csrf_token(session: dict[str, Any]) -> str:
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def csrf_matches(session: dict[str, Any], presented: str | None) -> bool:
    expected = session.get("csrf")
    return (
        isinstance(expected, str)
        and isinstance(presented, str)
        and hmac.compare_digest(expected.encode(), presented.encode())
    )


def load_user(rt: Runtime, sid: str) -> UiUser | None:
    """The user of a live, fully logged-in session (second factor given), else None."""
    with rt.db.session() as s:
        live = lookup(s, sid)
        if live is None or live.pending_totp:
            return None
        row = s.execute(
            select(User).where(User.id == live.user_id, User.active.is_(True))
        ).scalar_one_or_none()
        if row is None:
            return None
        return UiUser(Principal("user", row.id, row.username, row.role), row.username, row.locale)


class CurrentUser:
    """ASGI middleware (inside SessionMiddleware): puts the session's user on ``request.state``.

    ``state.ui_user`` serves the UI; ``state.user`` (a Principal) lets the API accept the session
    too, but for a state-changing API call only with the session's CSRF token in ``X-CSRF-Token``.
    """

    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        self.app = app
        self.rt = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("path", "").startswith("/static/"):
            state = scope.setdefault("state", {})
            session = scope.get("session") or {}
            sid = session.get("sid")
            user = (
                await to_thread.run_sync(load_user, self.rt, sid) if isinstance(sid, str) else None
            )
            state["ui_user"] = user
            if user is not None and self._api_allowed(scope, session):
                state["user"] = user.principal
        await self.app(scope, receive, send)

    @staticmethod
    def _api_allowed(scope: Scope, session: dict[str, Any]) -> bool:
        if scope.get("method", "GET") in SAFE_METHODS:
            return True
        headers = dict(scope.get("headers", []))
        token = headers.get(b"x-csrf-token", b"").decode("latin-1") or None
        return csrf_matches(session, token)
