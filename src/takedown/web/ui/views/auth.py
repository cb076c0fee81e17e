"""Login (password, then the TOTP second factor), logout, enrolment of the second factor, and the
language switch."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy import select

from takedown.accounts import sessions, totp
from takedown.accounts.users import login as check_password
from takedown.audit import Event, record
from takedown.store.tables import User
from takedown.web.ui.common import csrf, current_user, flash, language, redirect, render, ui
from takedown.web.ui.i18n import LANGUAGES, translator
from takedown.web.ui.ratelimit import client_address, parse_networks

router = APIRouter()


def _safe_next(target: str | None) -> str:
    # Only same-site paths: "//host" or "/\\host" would leave the site.
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/queue"
    return target


def _address(request: Request) -> str:
    settings = ui(request).rt.settings
    return client_address(request, parse_networks(settings.trusted_proxies))


@router.get("/", include_in_schema=False)
def home(request: Request) -> Response:
    return redirect("/queue" if current_user(request) else "/login")


@router.get("/login", include_in_schema=False)
def login_page(request: Request, next: str = "/queue") -> Response:
    return render(request, "login.html", next=_safe_next(next), username="")


def _start_session(request: Request, user_id: int, pending: bool) -> None:
    rt = ui(request).rt
    locale = request.session.get("locale")
    old = request.session.get("sid")
    with rt.db.session() as s:
        if isinstance(old, str):
            sessions.end_session(s, old)
        sid = sessions.open_session(
            s, user_id, timedelta(hours=rt.settings.session_hours), pending_totp=pending
        )
    request.session.clear()  # a fresh session (and CSRF token) at each login
    request.session["sid"] = sid
    if locale:
        request.session["locale"] = locale


@router.post("/login", include_in_schema=False, dependencies=[Depends(csrf)])
def login(
    request: Request,
    username: str = Form(max_length=100),
    password: str = Form(max_length=1000),
    next: str = Form("/queue"),
) -> Response:
    state = ui(request)
    _ = translator(language(request))
    address = _address(request)
    with state.rt.db.session() as s:
        wait = state.limiter.wait_seconds(s, username, address)
    if wait > 0:
        reply = render(
            request,
            "login.html",
            status_code=429,
            error=_("Too many failed logins. Wait a few minutes and try again."),
            next=_safe_next(next),
            username=username,
        )
        reply.headers["Retry-After"] = str(max(1, int(wait + 0.999)))
        return reply
    with state.rt.db.session() as s:
        who = check_password(s, username, password)
        if who is None:
            state.limiter.failed(s, username, address)
            record(s, Event("user.login_failed", f"user:{username[:100]}", "user", username[:64]))
        else:
            state.limiter.succeeded(s, username, address)
            row = s.get(User, who.id)
            enrolled = row is not None and row.totp_secret is not None
            required = (
                who.role in totp.NEEDS_SECOND_FACTOR and state.rt.settings.second_factor_required
            )
            record(s, Event("user.login", who.actor, "user", who.id, {"second_factor": enrolled}))
    if who is None:
        return render(
            request,
            "login.html",
            status_code=401,
            error=_("Wrong username or password."),
            next=_safe_next(next),
            username=username,
        )
    _start_session(request, who.id, pending=enrolled or required)
    request.session["next"] = _safe_next(next)
    if enrolled:
        return redirect("/login/totp")
    if required:
        return redirect("/account/totp")
    return redirect(_safe_next(next))


def _pending_user(request: Request) -> User | None:
    sid = request.session.get("sid")
    if not isinstance(sid, str):
        return None
    with ui(request).rt.db.session() as s:
        live = sessions.lookup(s, sid)
        if live is None:
            return None
        return s.get(User, live.user_id)


@router.get("/login/totp", include_in_schema=False)
def totp_page(request: Request) -> Response:
    if _pending_user(request) is None:
        return redirect("/login")
    return render(request, "totp.html", enrol_uri=None, secret=None)


@router.post("/login/totp", include_in_schema=False, dependencies=[Depends(csrf)])
def totp_check(request: Request, code: str = Form(max_length=20)) -> Response:
    state = ui(request)
    _ = translator(language(request))
    user = _pending_user(request)
    if user is None or user.totp_secret is None:
        return redirect("/login")
    address = _address(request)
    with state.rt.db.session() as s:
        if state.limiter.wait_seconds(s, user.username, address) > 0:
            return render(
                request,
                "totp.html",
                status_code=429,
                error=_("Too many failed logins."),
                enrol_uri=None,
                secret=None,
            )
        if not totp.verify(user.totp_secret, code):
            state.limiter.failed(s, user.username, address)
            record(s, Event("user.totp_failed", f"user:{user.username}", "user", user.id))
            ok = False
        else:
            sessions.confirm_second_factor(s, str(request.session["sid"]))
            ok = True
    if not ok:
        return render(
            request,
            "totp.html",
            status_code=401,
            error=_("Wrong code."),
            enrol_uri=None,
            secret=None,
        )
    return redirect(_safe_next(request.session.pop("next", None)))


@router.get("/account/totp", include_in_schema=False)
def enrol_page(request: Request) -> Response:
    """Enrolment: a new secret and its otpauth URI as text; confirmed by a first code."""
    user = current_user(request)
    pending = _pending_user(request)
    if user is None and pending is None:
        return redirect("/login")
    name = user.username if user else pending.username if pending else ""
    secret = request.session.get("totp_new")
    if not isinstance(secret, str):
        secret = totp.new_secret()
        request.session["totp_new"] = secret
    return render(
        request, "totp.html", enrol_uri=totp.provisioning_uri(secret, name), secret=secret
    )


@router.post("/account/totp", include_in_schema=False, dependencies=[Depends(csrf)])
def enrol(request: Request, code: str = Form(max_length=20)) -> Response:
    _ = translator(language(request))
    pending = _pending_user(request)
    secret = request.session.get("totp_new")
    if pending is None or not isinstance(secret, str):
        return redirect("/login")
    if not totp.verify(secret, code):
        return render(
            request,
            "totp.html",
            status_code=401,
            error=_("Wrong code."),
            enrol_uri=totp.provisioning_uri(secret, pending.username),
            secret=secret,
        )
    with ui(request).rt.db.session() as s:
        row = s.execute(select(User).where(User.id == pending.id)).scalar_one()
        row.totp_secret = secret
        sid = str(request.session["sid"])
        sessions.end_user_sessions(s, row.id, keep=sid)
        sessions.confirm_second_factor(s, sid)
        record(s, Event("user.totp_enrol", f"user:{row.username}", "user", row.id))
    request.session.pop("totp_new", None)
    return redirect(_safe_next(request.session.pop("next", None)))


@router.post("/logout", include_in_schema=False, dependencies=[Depends(csrf)])
def logout(request: Request) -> Response:
    user = current_user(request)
    sid = request.session.get("sid")
    with ui(request).rt.db.session() as s:
        if isinstance(sid, str):
            sessions.end_session(s, sid)
        if user is not None:
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
