"""Commands for API tokens and review-UI users."""

from __future__ import annotations

import sys

import click

from takedown.accounts.tokens import create_token
from takedown.accounts.users import create_user
from takedown.cli.context import runtime_from

ROLE = click.Choice(["admin", "officer", "viewer"])


@click.group()
def token() -> None:
    """API tokens."""


@token.command("create")
@click.option("--role", type=ROLE, required=True)
@click.option("--name", default="cli", show_default=True)
@click.pass_context
def token_create(ctx: click.Context, role: str, name: str) -> None:
    """Create a token; the token is the last line printed (it is shown only once)."""
    rt = runtime_from(ctx)
    try:
        with rt.db.session() as s:
            row, secret = create_token(s, role, name)
            click.echo(f"token {row.id} ({name}, role {role}) created; keep it secret:", err=True)
        click.echo(secret)
    finally:
        rt.close()


@click.group()
def user() -> None:
    """Review-UI users."""


@user.command("create")
@click.argument("username")
@click.option("--role", type=ROLE, required=True)
@click.option("--locale", type=click.Choice(["ko", "en"]), default="ko", show_default=True)
@click.pass_context
def user_create(ctx: click.Context, username: str, role: str, locale: str) -> None:
    """Create a user; the password is read from standard input (first line)."""
    password = sys.stdin.readline().rstrip("\r\n")
    rt = runtime_from(ctx)
    try:
        with rt.db.session() as s:
            row = create_user(s, username, password, role, locale=locale)
            click.echo(f"user {row.id} {username} ({role}) created")
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        rt.close()


COMMANDS = [token, user]
