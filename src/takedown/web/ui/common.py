"""What every page of the review UI shares: rendering, who is logged in, role and CSRF checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import ValidationError

from takedown.accounts.roles import allows
from takedown.pipeline.runtime import Runtime
from takedown.review.previews import Previews
from takedown.review.wellbeing import reveal_budget
from takedown.web.ui.i18n import LANGUAGES, Gettext, pick_language, translator
from takedown.web.ui.listing import AGES
from takedown.web.ui.ratelimit import LoginThrottle
from takedown.web.ui.session import UiUser, csrf_matches, csrf_token

TEMPLATES = Path(__file__).with_name("templates")
# Pages show evidence of crimes: nothing is cached, framed, or sent to another origin.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@dataclass
class UiState:
    rt: Runtime
    previews: Previews
    limiter: LoginThrottle = field(default_factory=LoginThrottle)
    env: Environment = field(init=False)

    def __post_init__(self) -> None:
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )


class UiRedirect(Exception):  # noqa: N818 - a control-flow signal, not an error
    """Send the browser elsewhere (to the login page, mostly)."""

    def __init__(self, location: str) -> None:
        self.location = location


class UiDenied(Exception):  # noqa: N818
    """Refuse with a page: wrong role (403), missing thing (404), bad CSRF token (403)."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message


def ui(request: Request) -> UiState:
    state: UiState = request.app.state.ui
    return state


def current_user(request: Request) -> UiUser | None:
    user = getattr(request.state, "ui_user", None)
    return user if isinstance(user, UiUser) else None


def language(request: Request) -> str:
    user = current_user(request)
    return pick_language(
        user.locale if user else None,
        request.session.get("locale"),
        request.headers.get("accept-language"),
    )


def tr(request: Request) -> Gettext:
    """The gettext of the request's language."""
    return translator(language(request))


def need(role: str) -> Callable[[Request], UiUser]:
    """A dependency: the logged-in user with at least `role`, else login page or 403."""

    def check(request: Request) -> UiUser:
        user = current_user(request)
        if user is None:
            target = request.url.path if request.method == "GET" else "/queue"
            raise UiRedirect(f"/login?next={target}")
        if not allows(user.role, role):
            _ = translator(language(request))
            raise UiDenied(403, _("This needs the {role} role.", role=_(role)))
        return user

    check.__name__ = f"need_{role}"
    return check


async def csrf(request: Request) -> None:
    """A dependency for every POST: the form's (or header's) token must match the session's."""
    presented = request.headers.get("x-csrf-token")
    if presented is None:
        form = await request.form()
        value = form.get("csrf")
        presented = value if isinstance(value, str) else None
    if not csrf_matches(request.session, presented):
        _ = translator(language(request))
        raise UiDenied(403, _("The form expired. Reload the page and try again."))


def split_lines(text: str) -> list[str]:
    """Form text with one item per line (or comma-separated) as a clean list."""
    return [k.strip() for k in text.replace(",", "\n").splitlines() if k.strip()]


def form_errors(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" if e["loc"] else str(e["msg"])
        for e in exc.errors()
    )


def flash(request: Request, message: str, kind: str = "info") -> None:
    request.session.setdefault("flash", []).append([kind, message])


def redirect(location: str) -> RedirectResponse:
    return RedirectResponse(location, status_code=303)


def local_time(settings_tz: str) -> Callable[[datetime | None], str]:
    zone = ZoneInfo(settings_tz)

    def fmt(value: datetime | None) -> str:
        return "" if value is None else value.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    return fmt


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    state = ui(request)
    lang = language(request)
    settings = state.rt.settings
    user = current_user(request)
    budget = None
    if user is not None and settings.reveal_allowed and allows(user.role, "officer"):
        with state.rt.db.session() as s:
            budget = reveal_budget(
                s, user.principal.actor, settings.reveal_daily_cap, settings.timezone
            )
    page = state.env.get_template(template).render(
        _=translator(lang),
        lang=lang,
        languages=LANGUAGES,
        user=user,
        reveal_budget=budget,
        ages=AGES,
        csrf=csrf_token(request.session),
        flashes=request.session.pop("flash", []),
        reveal_allowed=settings.reveal_allowed,
        reveal_seconds=settings.reveal_seconds,
        when=local_time(settings.timezone),
        path=request.url.path,
        allows=allows,
        **context,
    )
    return HTMLResponse(page, status_code=status_code, headers=SECURITY_HEADERS)


def secure(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response


# The three role checks, as dependencies: `user: UiUser = Depends(officer)`.
viewer = need("viewer")
officer = need("officer")
admin = need("admin")
