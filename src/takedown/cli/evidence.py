"""Commands for evidence: verify an item, export it for an investigator, print the figures."""

from __future__ import annotations

import json
from pathlib import Path

import click
from sqlalchemy import select

from takedown import stats
from takedown.audit import Event, record
from takedown.cli.context import runtime_from
from takedown.evidence.export import export_evidence
from takedown.evidence.verify import verify_evidence
from takedown.pipeline import evidence as ev_store
from takedown.pipeline.runtime import Runtime
from takedown.store.tables import Evidence


@click.group("evidence")
def evidence_group() -> None:
    """Evidence captures."""


def _key(rt: Runtime, ident: str) -> tuple[int, str]:
    with rt.db.session() as s:
        q = select(Evidence).where(Evidence.key == ident)
        ev = s.get(Evidence, int(ident)) if ident.isdigit() else s.execute(q).scalar_one_or_none()
        if ev is None:
            raise click.ClickException(f"no evidence {ident}")
        return ev.id, ev.key


@evidence_group.command("verify")
@click.argument("ident")
@click.pass_context
def verify(ctx: click.Context, ident: str) -> None:
    """Re-hash every artifact and check the custody chain; exit 1 on any problem."""
    rt = runtime_from(ctx)
    try:
        ev_id, key = _key(rt, ident)
        report = verify_evidence(ev_store.store(rt), key, vault=ev_store.vault(rt))
        with rt.db.session() as s:
            record(s, Event("evidence.verify", "cli", "evidence", ev_id, {"ok": report.ok}))
    finally:
        rt.close()
    for line in report.lines():
        click.echo(line)
    if not report.ok:
        raise click.ClickException(f"evidence {key} FAILED verification")


@evidence_group.command("export")
@click.argument("ident")
@click.argument("dest", type=click.Path(path_type=Path))
@click.option("--zip", "as_zip", is_flag=True, help="Write a .zip instead of a folder.")
@click.pass_context
def export(ctx: click.Context, ident: str, dest: Path, as_zip: bool) -> None:
    """Write a folder (or zip) with the artifacts, manifest, custody log and a README."""
    rt = runtime_from(ctx)
    try:
        ev_id, key = _key(rt, ident)
        result = export_evidence(
            ev_store.store(rt), key, dest, vault=ev_store.vault(rt), as_zip=as_zip
        )
        with rt.db.session() as s:
            record(s, Event("evidence.export", "cli", "evidence", ev_id, {"dest": str(dest)}))
    finally:
        rt.close()
    click.echo(f"exported {key} to {result.path}")


@click.command("report")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def report(ctx: click.Context, as_json: bool) -> None:
    """Print the counts and timings of GET /stats, overall and per site."""
    rt = runtime_from(ctx)
    try:
        with rt.db.session() as s:
            figures = stats.compute(s)
    finally:
        rt.close()
    if as_json:
        click.echo(json.dumps(figures, indent=2, default=str))
        return
    for key, value in figures.items():
        if key != "per_site":
            click.echo(f"{key:28} {value}")
    for site, row in figures["per_site"].items():
        click.echo(f"site {site}: " + ", ".join(f"{k}={v}" for k, v in row.items()))


COMMANDS = [evidence_group, report]
