"""Maintenance commands: migrate, audit verify."""

from __future__ import annotations

import click

from takedown import audit
from takedown.cli.context import runtime_from


@click.command()
@click.pass_context
def migrate(ctx: click.Context) -> None:
    """Create the data directory and bring the database schema up to date."""
    rt = runtime_from(ctx)
    rt.close()
    click.echo(f"database at {rt.settings.database_url} is up to date")


@click.group("audit")
def audit_group() -> None:
    """The hash-chained audit log."""


@audit_group.command("verify")
@click.pass_context
def audit_verify(ctx: click.Context) -> None:
    """Check every entry's hash and link; exit 1 on the first break."""
    rt = runtime_from(ctx)
    try:
        with rt.db.session() as s:
            count, problems = audit.verify(s)
    finally:
        rt.close()
    for p in problems:
        click.echo(f"entry {p.entry_id}: {p.reason}", err=True)
    if problems:
        raise click.ClickException(
            f"audit log BROKEN: {len(problems)} problem(s) in {count} entries"
        )
    click.echo(f"audit log OK: {count} entries, chain intact")


COMMANDS = [migrate, audit_group]
