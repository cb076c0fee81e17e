"""Commands that run the service: serve (everything), web (API and UI), worker (the pipeline)."""

from __future__ import annotations

import logging
import signal

import click
import uvicorn
from fastapi import FastAPI

from takedown.cli.context import runtime_from
from takedown.notices.identity import sender_identity_problems
from takedown.pipeline.graph import LANES
from takedown.pipeline.roles import Workers, wait_for_signal
from takedown.web.app import create_app

log = logging.getLogger(__name__)


def serve_http(app: FastAPI, host: str, port: int) -> None:
    # uvicorn stops on SIGTERM/SIGINT, then re-raises the signal into the handler that was set
    # before it; a no-op one lets our own clean-up (workers, database) run and exit 0.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: None)
    config = uvicorn.Config(app, host=host, port=port, log_level="info", access_log=False)
    uvicorn.Server(config).run()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int) -> None:
    """Run everything in one process: API, review UI, scheduler and workers."""
    rt = runtime_from(ctx)
    for problem in sender_identity_problems(rt.settings):
        # Drafts are made, but no request can be approved until the identity is set.
        click.echo(f"warning: {problem}; deletion requests cannot be approved", err=True)
    workers = Workers(rt)
    workers.start()
    try:
        click.echo(f"takedown serving on http://{host}:{port}/ (API at /api/v1)", err=True)
        serve_http(create_app(rt.settings, rt), host, port)
    finally:
        workers.stop()
        rt.close()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.pass_context
def web(ctx: click.Context, host: str, port: int) -> None:
    """Run only the API and the review UI (scaled deployment)."""
    rt = runtime_from(ctx)
    try:
        serve_http(create_app(rt.settings, rt), host, port)
    finally:
        rt.close()


def _lanes(value: str | None) -> tuple[str, ...]:
    if not value:
        return LANES
    lanes = tuple(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))
    unknown = [lane for lane in lanes if lane not in LANES]
    if unknown:
        raise click.BadParameter(f"unknown lane(s) {', '.join(unknown)}; lanes: {', '.join(LANES)}")
    return lanes


@click.command()
@click.option(
    "--lanes",
    default=None,
    help=f"Comma-separated lanes to run here ({','.join(LANES)}); default all.",
)
@click.pass_context
def worker(ctx: click.Context, lanes: str | None) -> None:
    """Run only the pipeline workers and the scheduler of some lanes (scaled deployment)."""
    chosen = _lanes(lanes)
    rt = runtime_from(ctx)
    workers = Workers(rt, chosen)
    workers.start()
    try:
        wait_for_signal()
    finally:
        workers.stop()
        rt.close()


COMMANDS = [serve, web, worker]
