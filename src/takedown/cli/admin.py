"""Maintenance commands: migrate, audit verify."""

from __future__ import annotations

import click

from takedown import audit
from takedown.audit_stamp import check_stamps
from takedown.cli.context import runtime_from
from takedown.evidence.signing import SigningError, existing_signer


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
        try:
            signer = existing_signer(rt.settings)
        except SigningError as exc:
            raise click.ClickException(str(exc)) from exc
        with rt.db.session() as s:
            report = audit.verify_signed(s, signer, signer.heads if signer else None)
            count, problems = report.count, report.problems
            stamps, stamp_problems = check_stamps(s)
    finally:
        rt.close()
    if signer is None:
        click.echo("note: no signing key: signatures and the signed head not checked", err=True)
    elif report.legacy_unsigned:
        click.echo(f"note: {report.legacy_unsigned} legacy-unsigned entries", err=True)
    for p in problems:
        click.echo(f"entry {p.entry_id}: {p.reason}", err=True)
    for line in stamp_problems:
        click.echo(line, err=True)
    if stamps:
        click.echo(f"{stamps} RFC 3161 time-stamps of the head checked", err=True)
    if problems or stamp_problems:
        raise click.ClickException(
            f"audit log BROKEN: {len(problems) + len(stamp_problems)} problem(s) in {count} entries"
        )
    click.echo(f"audit log OK: {count} entries, chain intact")


COMMANDS = [migrate, audit_group]
