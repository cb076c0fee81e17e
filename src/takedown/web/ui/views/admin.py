"""User management for admins (the same as ``takedown user create`` on the command line)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy import select

from takedown.accounts.roles import RANK
from takedown.accounts.users import create_user
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
            row.role, row.active = role, active
            record(s, Event("user.update", user.principal.actor, "user", user_id, changes))
    flash(request, _("Saved."))
    return redirect("/admin/users")
