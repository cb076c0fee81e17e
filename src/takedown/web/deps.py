"""Request dependencies: the runtime, a database session, and who is calling (bearer token)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from takedown.accounts.roles import Principal, allows
from takedown.accounts.tokens import authenticate
from takedown.pipeline.runtime import Runtime

_bearer = HTTPBearer(auto_error=False, description="An API token from `takedown token create`.")


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


def db_session(rt: Runtime = Depends(runtime)) -> Iterator[Session]:
    with rt.db.session() as s:
        yield s


def principal(
    request: Request,
    creds: HTTPAuthorizationCredentials | None = Depends(_bearer),
    rt: Runtime = Depends(runtime),
) -> Principal:
    if creds is not None and creds.scheme.lower() == "bearer":
        with rt.db.session() as s:
            who = authenticate(s, creds.credentials)
        if who is not None:
            return who
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "invalid or revoked token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    # The review UI calls the API with its session cookie instead of a token.
    session_user = getattr(request.state, "user", None)
    if isinstance(session_user, Principal):
        return session_user
    raise HTTPException(
        status.HTTP_401_UNAUTHORIZED, "missing bearer token", headers={"WWW-Authenticate": "Bearer"}
    )


def require(role: str) -> Callable[..., Principal]:
    """A dependency that admits callers with at least `role`."""

    def check(who: Principal = Depends(principal)) -> Principal:
        if not allows(who.role, role):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this needs the {role} role")
        return who

    check.__name__ = f"require_{role}"
    return check


viewer = require("viewer")
officer = require("officer")
admin = require("admin")
# A partner platform's token: only the partner lookup routes (at the service root) take it.
partner = require("partner")
