"""`takedown config docs`: print (or write) the configuration reference."""

from __future__ import annotations

from pathlib import Path

import click

from takedown.configdocs import render


@click.group()
def config() -> None:
    """Settings."""


@config.command("docs")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
def config_docs(output: Path | None) -> None:
    """The configuration reference (docs/configuration.md) generated from the settings."""
    text = render()
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, "utf-8")


COMMANDS = [config]
