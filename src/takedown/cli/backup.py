"""Commands to back an installation up and restore it into a new home."""

from __future__ import annotations

from pathlib import Path

import click

from takedown.backup import BackupError
from takedown.backup import backup as run_backup
from takedown.backup import restore as run_restore
from takedown.cli.context import settings_from
from takedown.evidence.signing import SigningError, key_file_for


@click.command("backup")
@click.argument("dest", type=click.Path(path_type=Path))
@click.option(
    "--keys-dest",
    type=click.Path(path_type=Path),
    help="Folder for the keys archive (vault key, signing key and heads), apart from the data.",
)
@click.option("--include-keys", is_flag=True, help="Put the keys inside the data archive.")
@click.pass_context
def backup(ctx: click.Context, dest: Path, keys_dest: Path | None, include_keys: bool) -> None:
    """A consistent database snapshot and the evidence store into DEST (the queue excluded)."""
    settings = settings_from(ctx)
    try:
        signing = key_file_for(
            settings.home, settings.signing_key_file, production=settings.mode == "production"
        )
        result = run_backup(
            settings, dest, signing_key=signing, keys_dest=keys_dest, include_keys=include_keys
        )
    except (BackupError, SigningError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backed up {result.members} files to {result.data}")
    if result.keys is not None:
        click.echo(f"keys written to {result.keys}")
    for note in result.notes:
        click.echo(f"note: {note}", err=True)


@click.command("restore")
@click.argument("src", type=click.Path(exists=True, path_type=Path))
@click.option("--home", "new_home", required=True, type=click.Path(path_type=Path))
@click.option("--keys", type=click.Path(exists=True, path_type=Path), help="The keys archive.")
@click.option(
    "--signing-key-file",
    type=click.Path(path_type=Path),
    help="Where to put the restored signing key (outside the new home).",
)
@click.option("--database-url", help="An empty PostgreSQL database, for a PostgreSQL backup.")
def restore(
    src: Path,
    new_home: Path,
    keys: Path | None,
    signing_key_file: Path | None,
    database_url: str | None,
) -> None:
    """Restore the backup SRC into the new, empty home; then run `audit verify` and
    `evidence verify --all` there."""
    try:
        notes = run_restore(
            src,
            new_home,
            keys=keys,
            signing_key=signing_key_file,
            database_url=database_url,
        )
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"restored into {new_home}")
    for note in notes:
        click.echo(f"note: {note}", err=True)


COMMANDS = [backup, restore]
