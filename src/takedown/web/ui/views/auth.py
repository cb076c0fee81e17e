"""Login, logout and the language switch."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from takedown.accounts.users import login as check_password
from takedown.audit import Event, record
from takedown.store.tables import User
from takedown.web.ui.common import csrf, current_user, flash, language, redirect, render, ui
from takedown.web.ui.i18n import LANGUAGES, translator

router = APIRouter()


def _safe_next(target: str | None) -> str:
    # Only same-site paths: "//host" or "/\\host" would leave the site.
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/queue"
    return target


@router.get("/", include_in_schema=False)
def home(request: Request) -> Response:
    return redirect("/queue" if current_user(request) else "/login")


@router.get("/login", include_in_schema=False)
def login_page(request: Request, next: str = "/queue") -> Response:
    return render(request, "login.html", next=_safe_next(next), username="")


@router.post("/login", include_in_schema=False, dependencies=[Depends(csrf)])
def login(
    request: Request,
    username: str = Form(max_length=100),
    password: str = Form(max_length=1000),
    next: str = Form("/queue"),
) -> Response:
    state = ui(request)
    _ = translator(language(request))
    address = request.client.host if request.client else "?"
    if state.limiter.blocked(username, address):
        return render(
            request,
            "login.html",
            status_code=429,
            error=_("Too many failed logins. Wait a few minutes and try again."),
            next=_safe_next(next),
            username=username,
        )
    with state.rt.db.session() as s:
        who = check_password(s, username, password)
        if who is None:
            record(s, Event("user.login_failed", f"user:{username[:100]}", "user", username[:64]))
        else:
            record(s, Event("user.login", who.actor, "user", who.id))
    if who is None:
        state.limiter.failed(username, address)
        return render(
            request,
            "login.html",
            status_code=401,
            error=_("Wrong username or password."),
            next=_safe_next(next),
            username=username,
        )
    state.limiter.succeeded(username)
    locale = request.session.get("locale")
    request.session.clear()  # a fresh session (and CSRF token) at each login
    request.session["uid"] = who.id
    if locale:
        request.session["locale"] = locale
    return redirect(_safe_next(next))


@router.post("/logout", include_in_schema=False, dependencies=[Depends(csrf)])
def logout(request: Request) -> Response:
    user = current_user(request)
    if user is not None:
        with ui(request).rt.db.session() as s:
            record(s, Event("user.logout", user.principal.actor, "user", user.principal.id))
    request.session.clear()
    return redirect("/login")


@router.post("/locale", include_in_schema=False, dependencies=[Depends(csrf)])
def set_locale(request: Request, locale: str = Form(), back: str = Form("/queue")) -> Response:
    if locale not in LANGUAGES:
        flash(request, f"unsupported language {locale[:20]!r}", "error")
        return redirect(_safe_next(back))
    request.session["locale"] = locale
    user = current_user(request)
    if user is not None:
        with ui(request).rt.db.session() as s:
            row = s.get(User, user.principal.id)
            if row is not None and row.locale != locale:
                row.locale = locale
                record(
                    s,
                    Event("user.locale", user.principal.actor, "user", row.id, {"locale": locale}),
                )
    return redirect(_safe_next(back))
