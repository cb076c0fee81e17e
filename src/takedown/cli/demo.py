"""`takedown demo`: a local demonstration web, a demo case and the whole service."""

from __future__ import annotations

import signal
import threading

import click
import uvicorn

from takedown.cli.context import settings_from
from takedown.demo.console import StatusLine, banner, log_to_file
from takedown.demo.run import (
    Mailbox,
    center_inbox,
    demo_settings,
    prepare,
    publish_later,
    seed,
)
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
    home = prepare(base)
    log = log_to_file(home)
    web = DemoWeb().start()
    mailbox = Mailbox(web, center_inbox(home))
    settings = demo_settings(home, web, mailbox.start())
    rt = Runtime(settings)
    secrets_ = seed(rt, web)
    stop = threading.Event()
    threading.Thread(target=publish_later, args=(web, stop), daemon=True).start()
    workers = Workers(rt)
    workers.start()
    url = f"http://{host}:{port}/"
    click.echo(
        banner(
            ui=url,
            api=f"{url}api/v1",
            board=f"{web.origin}/board",
            password=secrets_["password"],
            token=secrets_["token"],
            log=log,
        )
    )
    status = StatusLine(rt).start()
    try:
        # As `serve`, but uvicorn's records go to the log file (log_config=None), not the terminal.
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: None)
        app = create_app(settings, rt)
        config = uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False)
        uvicorn.Server(config).run()
    finally:
        status.stop()
        stop.set()
        workers.stop()
        rt.close()
        mailbox.stop()
        web.stop()


COMMANDS = [demo]
