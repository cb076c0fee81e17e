"""``GET /healthz`` (the process answers) and ``GET /readyz`` (database, queue, each lane's
workers, disk space) at the service root, without a token; the body is only ok or failing."""

from __future__ import annotations

import logging

from fastapi import APIRouter, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse

from takedown.ops import Check, check_database, check_disk, check_lanes
from takedown.pipeline.runtime import Runtime

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
# The only routes that answer without a token (the route meta-test lists them too).
OPEN_ROUTES = frozenset({("GET", "/healthz"), ("GET", "/readyz")})


def _headers() -> dict[str, str]:
    return {"Cache-Control": "no-store"}


@router.get("/healthz")
def healthz() -> PlainTextResponse:
    return PlainTextResponse("ok\n", headers=_headers())


def readiness(rt: Runtime) -> list[Check]:
    checks: list[Check] = []
    try:
        with rt.db.session() as s:
            checks.append(check_database(s))
            lanes = list(rt.settings.ready_lanes)
            checks += check_lanes(s, lanes, rt.settings.heartbeat_stale_seconds)
    except Exception as exc:  # the database itself is unreachable
        checks.append(Check("database", False, type(exc).__name__))
    try:
        for stage in rt.graph.names():
            rt.queues.pending(stage)
        checks.append(Check("queue", True, ""))
    except Exception as exc:  # any queue backend error means not ready
        checks.append(Check("queue", False, type(exc).__name__))
    checks.append(check_disk(rt.settings))
    return checks


@router.get("/readyz")
async def readyz(request: Request) -> PlainTextResponse:
    rt: Runtime = request.app.state.runtime
    checks = await run_in_threadpool(readiness, rt)
    failing = [c for c in checks if not c.ok]
    if failing:
        # Details go to the log, never to an unauthenticated caller.
        log.warning("not ready: %s", "; ".join(f"{c.name} {c.detail}" for c in failing))
        return PlainTextResponse("failing\n", status_code=503, headers=_headers())
    return PlainTextResponse("ok\n", headers=_headers())


def mount_ops(app: FastAPI) -> None:
    app.include_router(router)
