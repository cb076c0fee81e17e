"""Commands about abuse contacts: refresh the bundled RDAP bootstrap snapshot."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from takedown.cli.context import settings_from
from takedown.fetch.guard import UrlGuard, origin_of
from takedown.fetch.http import Fetcher
from takedown.notices.contacts.bootstrap import DATA_DIR, IANA_BASE, refresh_bootstrap
from takedown.notices.contacts.rdap import RdapError
from takedown.store.base import utcnow


@click.group("contacts")
def contacts() -> None:
    """Abuse contacts: RDAP bootstrap data."""


@contacts.command("refresh-bootstrap")
@click.option("--source", default=IANA_BASE, show_default=True, help="Base URL of the files.")
@click.option(
    "--output",
    type=click.Path(path_type=Path, file_okay=False),
    default=DATA_DIR,
    show_default=True,
    help="Folder to write dns.json, ipv4.json and ipv6.json into.",
)
@click.pass_context
def refresh(ctx: click.Context, source: str, output: Path) -> None:
    """Download IANA's RDAP bootstrap files and replace the snapshot (all three or none)."""
    settings = settings_from(ctx)

    async def run() -> None:
        # The source is infrastructure the operator names: exempt, like a configured bootstrap.
        guard = UrlGuard(allow=[*settings.fetch_allow, origin_of(source)])
        async with Fetcher(guard=guard, proxy=settings.proxy) as fetcher:
            done = await refresh_bootstrap(fetcher, base=source, output=output, now=utcnow())
        for name, count in done.services.items():
            click.echo(f"{done.directory / name}: {count} services")

    try:
        asyncio.run(run())
    except RdapError as exc:
        raise click.ClickException(f"nothing replaced: {exc}") from exc


COMMANDS = [contacts]
