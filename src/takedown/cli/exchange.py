"""Commands for hash exchange: banks, importing exchange hash lists, publishing a case."""

from __future__ import annotations

import json
from pathlib import Path

import click

from takedown.cli.context import runtime_from
from takedown.exchange.banks import BankError, bank_named, create_bank, publish_case
from takedown.exchange.ingest import FORMATS, IngestError, import_to_bank, import_to_case
from takedown.store.tables import Case


@click.group("bank")
def bank() -> None:
    """Hash banks shared with partner platforms (publish) or imported from exchanges (watch)."""


@bank.command("create")
@click.argument("name")
@click.option("--watch", is_flag=True, help="A watch list (imported, never shared).")
@click.pass_context
def bank_create(ctx: click.Context, name: str, watch: bool) -> None:
    rt = runtime_from(ctx)
    try:
        with rt.db.session() as s:
            row = create_bank(s, name, "cli", "watch" if watch else "publish")
            click.echo(f"bank {row.id} {row.name} ({row.kind})")
    except BankError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        rt.close()


@bank.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True)
@click.option("--source", required=True, help="Where the list came from (kept as provenance).")
@click.option("--case", "case_id", type=int, help="Import into this case's references.")
@click.option("--bank", "bank_name", help="Import into this watch-list bank.")
@click.pass_context
def bank_import(
    ctx: click.Context,
    file: Path,
    fmt: str,
    source: str,
    case_id: int | None,
    bank_name: str | None,
) -> None:
    """Import a StopNCII, NCMEC or ThreatExchange hash list into a case or a watch list."""
    if (case_id is None) == (bank_name is None):
        raise click.UsageError("give exactly one of --case and --bank")
    try:
        text = file.read_text("utf-8")
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{file} is not UTF-8 text") from exc
    rt = runtime_from(ctx)
    try:
        with rt.db.session() as s:
            if case_id is not None:
                case = s.get(Case, case_id)
                if case is None:
                    raise click.ClickException(f"no case {case_id}")
                out = import_to_case(s, case, fmt, text, source, "cli")
            else:
                out = import_to_bank(s, bank_named(s, str(bank_name)), fmt, text, source, "cli")
        click.echo(json.dumps(out.__dict__, indent=2, ensure_ascii=False))
    except (IngestError, BankError) as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        rt.close()


@bank.command("publish")
@click.argument("case_id", type=int)
@click.argument("name")
@click.pass_context
def bank_publish(ctx: click.Context, case_id: int, name: str) -> None:
    """Publish a case's references and confirmed matches to a shared bank."""
    rt = runtime_from(ctx)
    try:
        with rt.db.session() as s:
            case = s.get(Case, case_id)
            if case is None:
                raise click.ClickException(f"no case {case_id}")
            out = publish_case(s, case, bank_named(s, name), "cli")
        click.echo(json.dumps(out.__dict__))
    except BankError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        rt.close()


COMMANDS = [bank]
