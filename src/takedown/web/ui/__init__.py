"""The officers' review UI: server-rendered pages at ``/`` (login, queue, notices, cases, sources,
evidence, dashboard, users). Call :func:`mount` once from the app factory."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from takedown.pipeline import evidence as evidence_store
from takedown.pipeline.runtime import Runtime
from takedown.review.previews import Previews
from takedown.store.paging import CursorError
from takedown.web.ui.common import UiDenied, UiRedirect, UiState, render
from takedown.web.ui.session import COOKIE, MAX_AGE, CurrentUser, session_secret
from takedown.web.ui.views import (
    admin,
    auth,
    candidates,
    cases,
    dashboard,
    evidence,
    notices,
    queue,
    sources,
)

STATIC = Path(__file__).with_name("static")
ROUTERS = (
    auth.router,
    queue.router,
    candidates.router,
    notices.router,
    cases.router,
    sources.router,
    evidence.router,
    dashboard.router,
    admin.router,
)

__all__ = ["mount"]


def mount(app: FastAPI, rt: Runtime) -> None:
    """Add the review UI to `app`: sessions, static files, pages. A second call does nothing."""
    if getattr(app.state, "ui_mounted", False):
        return
    app.state.ui_mounted = True
    settings = rt.settings
    # The same store and vault key as the capture stage (in development, a key kept in the home).
    app.state.ui = UiState(rt, Previews(evidence_store.store(rt), evidence_store.vault(rt)))
    # Added inner first: CurrentUser must run inside SessionMiddleware, which decodes the cookie.
    app.add_middleware(CurrentUser, runtime=rt)
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(settings),
        session_cookie=COOKIE,
        max_age=MAX_AGE,
        same_site="lax",
        https_only=settings.mode == "production",
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="ui-static")
    for router in ROUTERS:
        app.include_router(router)

    @app.exception_handler(UiRedirect)
    async def _redirect(_request: Request, exc: UiRedirect) -> Response:
        return RedirectResponse(exc.location, status_code=303)

    @app.exception_handler(CursorError)
    async def _bad_cursor(request: Request, exc: CursorError) -> Response:
        return render(request, "error.html", status_code=400, message=str(exc))

    @app.exception_handler(UiDenied)
    async def _denied(request: Request, exc: UiDenied) -> Response:
        return render(request, "error.html", status_code=exc.status, message=exc.message)
