"""User and token management for admins (the same as ``takedown user``/``takedown token``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy import select

from takedown.accounts.roles import RANK, TOKEN_ROLES
from takedown.accounts.sessions import end_user_sessions
from takedown.accounts.tokens import (
    create_token,
    list_tokens,
    parse_duration,
    revoke_token,
    token_state,
)
from takedown.accounts.users import create_user, set_active
from takedown.audit import Event, record
from takedown.store.tables import User
from takedown.web.ui.common import (
    UiDenied,
    admin,
    csrf,
    flash,
    language,
    redirect,
    render,
    tr,
    ui,
)
from takedown.web.ui.i18n import LANGUAGES, translator
from takedown.web.ui.session import UiUser

router = APIRouter()


@router.get("/admin/users", include_in_schema=False)
def users(request: Request, user: UiUser = Depends(admin)) -> Response:
    with ui(request).rt.db.session() as s:
        rows = list(s.execute(select(User).order_by(User.username)).scalars())
    return render(request, "users.html", users=rows, roles=list(RANK), locales=LANGUAGES)


@router.post("/admin/users", include_in_schema=False, dependencies=[Depends(csrf)])
def create(
    request: Request,
    username: str = Form(""),
    password: str = Form("", max_length=1000),
    role: str = Form("viewer"),
    locale: str = Form("ko"),
    user: UiUser = Depends(admin),
) -> Response:
    try:
        with ui(request).rt.db.session() as s:
            create_user(
                s,
                username.strip(),
                password,
                role,
                actor=user.principal.actor,
                locale=locale if locale in LANGUAGES else "ko",
            )
    except ValueError as exc:
        flash(request, str(exc), "error")
    else:
        flash(request, tr(request)("User {name} created.", name=username))
    return redirect("/admin/users")


@router.post("/admin/users/{user_id}", include_in_schema=False, dependencies=[Depends(csrf)])
def update(
    request: Request,
    user_id: int,
    role: str = Form(),
    active: bool = Form(False),
    user: UiUser = Depends(admin),
) -> Response:
    _ = translator(language(request))
    if role not in RANK:
        raise UiDenied(422, f"unknown role {role[:20]!r}")
    if user_id == user.principal.id and (role != "admin" or not active):
        # An admin cannot lock themselves out; another admin has to do it.
        flash(request, _("You cannot remove your own admin rights."), "error")
        return redirect("/admin/users")
    with ui(request).rt.db.session() as s:
        row = s.get(User, user_id)
        if row is None:
            raise UiDenied(404, _("Not found."))
        changes = {k: v for k, v in (("role", role), ("active", active)) if getattr(row, k) != v}
        if changes:
            row.role = role
            set_active(s, row, active, user.principal.actor)
            record(s, Event("user.update", user.principal.actor, "user", user_id, changes))
    flash(request, _("Saved."))
    return redirect("/admin/users")


@router.get("/admin/tokens", include_in_schema=False)
def tokens(request: Request, user: UiUser = Depends(admin)) -> Response:
    with ui(request).rt.db.session() as s:
        rows = [(t, token_state(t)) for t in list_tokens(s)]
    return render(request, "tokens.html", tokens=rows, roles=TOKEN_ROLES, created=None)


@router.post("/admin/tokens", include_in_schema=False, dependencies=[Depends(csrf)])
def token_create(
    request: Request,
    name: str = Form("", max_length=100),
    role: str = Form("viewer"),
    expires: str = Form("90d", max_length=20),
    user: UiUser = Depends(admin),
) -> Response:
    try:
        lifetime = parse_duration(expires) if expires.strip() else None
        with ui(request).rt.db.session() as s:
            _row, secret = create_token(
                s, role, name.strip(), actor=user.principal.actor, expires_in=lifetime
            )
            rows = [(t, token_state(t)) for t in list_tokens(s)]
    except ValueError as exc:
        flash(request, str(exc), "error")
        return redirect("/admin/tokens")
    # Shown once, on this page only (never flashed into the session cookie).
    return render(request, "tokens.html", tokens=rows, roles=TOKEN_ROLES, created=secret)


@router.post("/admin/tokens/revoke", include_in_schema=False, dependencies=[Depends(csrf)])
def token_revoke(
    request: Request, name: str = Form(max_length=100), user: UiUser = Depends(admin)
) -> Response:
    try:
        with ui(request).rt.db.session() as s:
            count = revoke_token(s, name, actor=user.principal.actor)
    except LookupError as exc:
        flash(request, str(exc), "error")
    else:
        flash(request, tr(request)("{n} token(s) revoked.", n=count))
    return redirect("/admin/tokens")


@router.post(
    "/admin/users/{user_id}/sessions/end", include_in_schema=False, dependencies=[Depends(csrf)]
)
def end_sessions(request: Request, user_id: int, user: UiUser = Depends(admin)) -> Response:
    """Log a user out everywhere (a lost laptop, a shared computer)."""
    with ui(request).rt.db.session() as s:
        if s.get(User, user_id) is None:
            raise UiDenied(404, tr(request)("Not found."))
        count = end_user_sessions(s, user_id)
        record(s, Event("user.sessions_end", user.principal.actor, "user", user_id, {"n": count}))
    flash(request, tr(request)("{n} session(s) ended.", n=count))
    return redirect("/admin/users")
