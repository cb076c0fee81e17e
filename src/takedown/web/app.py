"""The FastAPI app factory: one codebase for the embedded and the scaled deployments."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import JSONResponse

from takedown import __version__
from takedown.accounts.roles import Principal
from takedown.config import Settings
from takedown.ops import harden_permissions
from takedown.pipeline.runtime import Runtime
from takedown.web import errors
from takedown.web.api import (
    banks,
    cases,
    detections,
    evidence,
    faces,
    hma,
    ingest,
    intake,
    match,
    notices,
    references,
    sources,
    stats,
    variants,
)
from takedown.web.deps import viewer
from takedown.web.headers import SecurityHeaders
from takedown.web.ops import mount_ops

API = "/api/v1"
ROUTERS = [
    cases.router,
    references.router,
    faces.router,
    sources.router,
    detections.router,
    evidence.router,
    notices.router,
    match.router,
    stats.router,
    banks.router,
    intake.router,
    ingest.router,
    variants.router,
]


def create_app(settings: Settings, runtime: Runtime | None = None) -> FastAPI:
    rt = runtime or Runtime(settings)
    app = FastAPI(
        title="takedown",
        version=__version__,
        openapi_url=None,  # served below, behind a token like every other call
        docs_url=None,
        redoc_url=None,
    )
    app.state.runtime = rt
    app.state.settings = settings
    errors.install(app)

    api = APIRouter(prefix=API)
    for router in ROUTERS:
        api.include_router(router)

    @api.get("/openapi.json", include_in_schema=False)
    def openapi(_: Principal = Depends(viewer)) -> JSONResponse:
        schema: dict[str, Any] = app.openapi()
        return JSONResponse(schema)

    @api.get("/health", tags=["meta"])
    def health(_: Principal = Depends(viewer)) -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    app.include_router(api)
    app.include_router(hma.router)  # HMA-compatible partner routes, at the root as HMA has them
    app.include_router(intake.public)  # the victim's one-time hashing page (no login)
    from takedown.web.ui import mount  # the review UI, served at /

    mount(app, rt)
    mount_ops(app)
    errors.install_input_guards(app)
    limits = errors.BodyLimits(
        upload=settings.max_upload_bytes,
        match=settings.max_match_bytes,
        body=settings.max_body_bytes,
    )
    app.add_middleware(errors.BodyLimit, limits=limits)
    app.add_middleware(errors.IdRange)
    app.add_middleware(SecurityHeaders, production=settings.mode == "production")
    harden_permissions(settings)
    return app
