"""Commands for evidence: verify an item, export it for an investigator, print the figures."""

from __future__ import annotations

import json
from pathlib import Path

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown import stats
from takedown.accounts.roles import Principal
from takedown.audit import Event, record
from takedown.cli.context import runtime_from, settings_from
from takedown.evidence.bundle import BundleError, verify_bundle
from takedown.evidence.export import export_evidence
from takedown.evidence.signing import (
    HeadStore,
    SigningError,
    Verifier,
    existing_signer,
    signer_from_settings,
)
from takedown.evidence.verify import ArtifactRow, verify_evidence
from takedown.pipeline import evidence as ev_store
from takedown.pipeline.runtime import Runtime
from takedown.review.handover import bundle_case
from takedown.store.tables import Artifact, Evidence


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


def _verifier(rt: Runtime, public_key: Path | None) -> tuple[Verifier | None, HeadStore | None]:
    try:
        signer = existing_signer(rt.settings)
    except SigningError as exc:
        raise click.ClickException(str(exc)) from exc
    heads = signer.heads if signer is not None else None
    if public_key is not None:
        return Verifier.from_pem(public_key.read_bytes()), heads
    return signer, heads


def _rows(s: Session, ev_id: int) -> list[ArtifactRow]:
    q = select(Artifact).where(Artifact.evidence_id == ev_id)
    return [ArtifactRow(a.name, a.sha256, a.size) for a in s.execute(q).scalars()]


@evidence_group.command("verify")
@click.argument("ident", required=False)
@click.option("--all", "every", is_flag=True, help="Verify every captured item.")
@click.option(
    "--public-key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Check signatures with this public key (default: the installation's signing key).",
)
@click.pass_context
def verify(ctx: click.Context, ident: str | None, every: bool, public_key: Path | None) -> None:
    """Re-hash every artifact, check the signed custody chain and the database's artifact rows;
    exit 1 on any problem."""
    if bool(ident) == every:
        raise click.UsageError("give one evidence id or key, or --all")
    rt = runtime_from(ctx)
    failed: list[str] = []
    try:
        verifier, heads = _verifier(rt, public_key)
        if every:
            with rt.db.session() as s:
                q = select(Evidence.id, Evidence.key).where(Evidence.captured_at.is_not(None))
                items = [(int(i), str(k)) for i, k in s.execute(q.order_by(Evidence.id))]
        else:
            items = [_key(rt, ident or "")]
        for ev_id, key in items:
            with rt.db.session() as s:
                rows = _rows(s, ev_id)
            report = verify_evidence(
                ev_store.store(rt),
                key,
                vault=ev_store.vault(rt),
                verifier=verifier,
                heads=heads,
                rows=rows,
            )
            with rt.db.session() as s:
                record(s, Event("evidence.verify", "cli", "evidence", ev_id, {"ok": report.ok}))
            for line in report.lines():
                click.echo(line)
            if not report.ok:
                failed.append(key)
        if verifier is None:
            click.echo("note: no signing key or public key: signatures not checked", err=True)
    finally:
        rt.close()
    if failed:
        raise click.ClickException(f"{len(failed)} evidence item(s) FAILED verification")
    if every:
        click.echo(f"{len(items)} evidence items OK")


@evidence_group.command("public-key")
@click.pass_context
def public_key(ctx: click.Context) -> None:
    """Print the public key (PEM) that verifies this installation's custody and audit logs."""
    settings = settings_from(ctx)
    try:
        signer = signer_from_settings(settings)
    except SigningError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(signer.public_pem().decode().strip())
    click.echo(f"# key id {signer.key_id}", err=True)


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


@evidence_group.command("bundle")
@click.argument("dest", type=click.Path(path_type=Path))
@click.option(
    "--case", "case_id", type=int, required=True, help="The case whose evidence to bundle."
)
@click.option("--evidence", "evidence_ids", type=int, multiple=True, help="Only these items.")
@click.option("--to", "handed_to", help="Mark the items handed over to (e.g. a police unit).")
@click.pass_context
def bundle(
    ctx: click.Context,
    dest: Path,
    case_id: int,
    evidence_ids: tuple[int, ...],
    handed_to: str | None,
) -> None:
    """Write a case's signed evidence bundle (WACZ, reports, custody, verify script) as a zip."""
    rt = runtime_from(ctx)
    try:
        who = Principal("system", 0, "cli", "admin")
        try:
            items = bundle_case(
                rt, case_id, dest, who, evidence_ids=evidence_ids, handed_to=handed_to
            )
        except (BundleError, LookupError, FileExistsError) as exc:
            raise click.ClickException(str(exc)) from exc
    finally:
        rt.close()
    click.echo(f"bundled {len(items)} evidence item(s) of case {case_id} to {dest}")


@evidence_group.command("verify-bundle")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--public-key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The center's published public key (default: the key inside the bundle).",
)
def verify_bundle_cmd(path: Path, public_key: Path | None) -> None:
    """Check a bundle: every file against its signed manifest, and the signature."""
    report = verify_bundle(path, public_key.read_bytes() if public_key else None)
    for line in report.problems:
        click.echo(line, err=True)
    if not report.ok:
        raise click.ClickException(f"bundle FAILED: {len(report.problems)} problem(s)")
    if public_key is None:
        click.echo(
            f"note: signed by key {report.key_id}; compare it with the published key", err=True
        )
    click.echo(f"bundle OK: {report.files} files, signature valid")


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
