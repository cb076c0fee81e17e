"""The `takedown` command: one click group; each command group lives in its own module."""

from __future__ import annotations

import logging
import os

import click

from takedown import __version__
from takedown.cli import (
    accounts,
    admin,
    backup,
    cases,
    configdocs,
    contacts,
    demo,
    evidence,
    exchange,
    media,
    pipeline,
    run,
)
from takedown.logsetup import configure_logging


@click.group()
@click.version_option(__version__, prog_name="takedown")
@click.option("--home", envvar="TAKEDOWN_HOME", default=None, help="Data directory.")
@click.option("-v", "--verbose", is_flag=True, help="Log debug messages.")
@click.pass_context
def cli(ctx: click.Context, home: str | None, verbose: bool) -> None:
    """Find, prove and remove a victim's images and videos."""
    # Read here, at start, before settings exist: logging must work even when they are invalid.
    configure_logging(
        os.environ.get("TAKEDOWN_LOG_FORMAT", "text"),
        os.environ.get("TAKEDOWN_LOG_LEVEL", "INFO"),
        verbose=verbose,
    )
    for noisy in ("weasyprint", "fontTools"):  # their per-step progress is not ours to report
        logging.getLogger(noisy).setLevel(logging.WARNING)
    ctx.obj = {"home": home}


GROUPS = (
    run,
    pipeline,
    accounts,
    admin,
    cases,
    media,
    evidence,
    demo,
    configdocs,
    backup,
    exchange,
    contacts,
)
for group in GROUPS:
    for command in group.COMMANDS:
        cli.add_command(command)


def main() -> None:
    cli()
