"""`takedown demo`: a local demonstration web, a demo case and the whole service."""

from __future__ import annotations

import threading

import click

from takedown.cli.context import settings_from
from takedown.cli.run import serve_http
from takedown.demo.run import Mailbox, demo_settings, prepare, publish_later, seed
from takedown.demo.site import DemoWeb
from takedown.pipeline.roles import Workers
from takedown.pipeline.runtime import Runtime
from takedown.web.app import create_app


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.pass_context
def demo(ctx: click.Context, host: str, port: int) -> None:
    """Start the demo web, a demo case and `serve`; print the review UI's URL."""
    base = settings_from(ctx).home
    web = DemoWeb().start()
    mailbox = Mailbox(web)
    settings = demo_settings(prepare(base), web, mailbox.start())
    rt = Runtime(settings)
    secrets_ = seed(rt, web)
    stop = threading.Event()
    threading.Thread(target=publish_later, args=(web, stop), daemon=True).start()
    workers = Workers(rt)
    workers.start()
    url = f"http://{host}:{port}/"
    click.echo(
        f"\ntakedown demo\n"
        f"  demo web (the monitored site): {web.origin}/board\n"
        f"  review UI: {url}  (log in as officer / {secrets_['password']})\n"
        f"  API:       {url}api/v1  (admin token {secrets_['token']})\n"
        f"  data:      {settings.home}\n"
        f"Approve the drafted request in the UI; the demo site takes the posts down when it\n"
        f"arrives, and the follow-up marks the request resolved. Ctrl-C stops.\n"
        f"Review UI: {url}\n"
    )
    try:
        serve_http(create_app(settings, rt), host, port)
    finally:
        stop.set()
        workers.stop()
        rt.close()
        mailbox.stop()
        web.stop()


COMMANDS = [demo]
