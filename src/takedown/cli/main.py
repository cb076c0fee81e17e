"""The `takedown` command: one click group; each command group lives in its own module."""

from __future__ import annotations

import logging

import click

from takedown import __version__
from takedown.cli import accounts, admin, demo, evidence, media, pipeline, run


@click.group()
@click.version_option(__version__, prog_name="takedown")
@click.option("--home", envvar="TAKEDOWN_HOME", default=None, help="Data directory.")
@click.option("-v", "--verbose", is_flag=True, help="Log debug messages.")
@click.pass_context
def cli(ctx: click.Context, home: str | None, verbose: bool) -> None:
    """Find, prove and remove a victim's images and videos."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("weasyprint", "fontTools"):  # their per-step progress is not ours to report
        logging.getLogger(noisy).setLevel(logging.WARNING)
    ctx.obj = {"home": home}


for group in (run, pipeline, accounts, admin, media, evidence, demo):
    for command in group.COMMANDS:
        cli.add_command(command)


def main() -> None:
    cli()
