"""Commands for API tokens and review-UI users."""

from __future__ import annotations

import json
import sys

import click

from takedown.accounts.tokens import (
    create_token,
    list_tokens,
    parse_duration,
    revoke_token,
    token_state,
)
from takedown.accounts.users import change_password, create_user
from takedown.cli.context import runtime_from

ROLE = click.Choice(["admin", "officer", "viewer"])
TOKEN_ROLE = click.Choice(["admin", "officer", "viewer", "partner"])


@click.group()
def token() -> None:
    """API tokens."""


@token.command("create")
@click.option("--role", type=TOKEN_ROLE, required=True)
@click.option("--name", default="cli", show_default=True)
@click.option("--expires", default=None, help="Lifetime such as 90d, 12h, 2w (default: none).")
@click.pass_context
def token_create(ctx: click.Context, role: str, name: str, expires: str | None) -> None:
    """Create a token; the token is the last line printed (it is shown only once)."""
    try:
        lifetime = parse_duration(expires) if expires else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--expires") from exc
    rt = runtime_from(ctx)
    try:
        with rt.db.session() as s:
            row, secret = create_token(s, role, name, expires_in=lifetime)
            until = f", expires {row.expires_at:%Y-%m-%d %H:%M} UTC" if row.expires_at else ""
            click.echo(
                f"token {row.id} ({name}, role {role}{until}) created; keep it secret:", err=True
            )
        click.echo(secret)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        rt.close()


@token.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON array.")
@click.pass_context
def token_list(ctx: click.Context, as_json: bool) -> None:
    """Every token: name, role, state (active, expired, revoked), dates. Never the secret."""
    rt = runtime_from(ctx)
    try:
        with rt.db.session() as s:
            rows = [
                {
                    "id": t.id,
                    "name": t.name,
                    "role": t.role,
                    "state": token_state(t),
                    "created_at": t.created_at.isoformat(),
                    "expires_at": t.expires_at.isoformat() if t.expires_at else None,
                    "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
                }
                for t in list_tokens(s)
            ]
    finally:
        rt.close()
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        click.echo(
            f"{r['id']:>5}  {r['name']:<24} {r['role']:<8} {r['state']:<8} "
            f"expires {r['expires_at'] or 'never'}  last used {r['last_used_at'] or 'never'}"
        )


@token.command("revoke")
@click.argument("name")
@click.pass_context
def token_revoke(ctx: click.Context, name: str) -> None:
    """Revoke the token(s) created with --name NAME; they get 401 from now on."""
    rt = runtime_from(ctx)
    try:
        with rt.db.session() as s:
            count = revoke_token(s, name)
        click.echo(f"{count} token(s) named {name!r} revoked")
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc
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


@user.command("passwd")
@click.argument("username")
@click.pass_context
def user_passwd(ctx: click.Context, username: str) -> None:
    """Set a new password (first line of standard input); the user's sessions end."""
    password = sys.stdin.readline().rstrip("\r\n")
    rt = runtime_from(ctx)
    try:
        with rt.db.session() as s:
            change_password(s, username, password)
        click.echo(f"password of {username} changed; their sessions were ended")
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        rt.close()


COMMANDS = [token, user]
