"""Commands an officer or IT staff run in bulk: create a case, add a folder of references (hashed
here, the files left where they are and never copied), add sources. Each has ``--json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import select

from takedown.cli.context import runtime_from
from takedown.review.cases import add_case, change_case
from takedown.review.references import ReferenceInputError, add_upload
from takedown.review.sources import SourceRefused, add_source, split_fields
from takedown.store.tables import Case, Source
from takedown.web.api.cases import CaseIn, CaseOut
from takedown.web.api.sources import SourceIn, source_out

ACTOR = "cli"
MEDIA_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".heic",
                  ".mp4", ".mov", ".m4v", ".webm", ".mkv", ".avi")  # fmt: skip


def _emit(as_json: bool, data: Any, text: str) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str) if as_json else text)


def progress(enabled: bool) -> Progress:
    """A progress bar on the terminal's stderr (off for --json and when not a terminal)."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        disable=not enabled,
        transient=True,
    )


@click.group("case")
def case_group() -> None:
    """Cases: create, list, add references from a folder."""


@case_group.command("create")
@click.argument("name")
@click.option("--keyword", "keywords", multiple=True, help="A keyword (repeat for more).")
@click.option("--officer", help="The officer assigned to the case.")
@click.option("--notes")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def create_case(
    ctx: click.Context,
    name: str,
    keywords: tuple[str, ...],
    officer: str | None,
    notes: str | None,
    as_json: bool,
) -> None:
    """Create a case under a label (never the victim's name)."""
    try:
        body = CaseIn(name=name, keywords=list(keywords), officer=officer, notes=notes)
    except ValidationError as exc:
        raise click.ClickException(str(exc)) from exc
    rt = runtime_from(ctx)
    try:
        with rt.db.session() as s:
            case = add_case(s, body.name, body.keywords, body.notes, ACTOR)
            if body.officer:
                change_case(s, case, {"officer": body.officer}, ACTOR)
            out = CaseOut.model_validate(case).model_dump(mode="json")
    finally:
        rt.close()
    _emit(as_json, out, f"case {out['id']} created")


@case_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def list_cases(ctx: click.Context, as_json: bool) -> None:
    """Every case with its status and officer."""
    rt = runtime_from(ctx)
    try:
        with rt.db.session() as s:
            rows = [
                CaseOut.model_validate(c).model_dump(mode="json")
                for c in s.execute(select(Case).order_by(Case.id)).scalars()
            ]
    finally:
        rt.close()
    text = "\n".join(f"{r['id']}\t{r['status']}\t{r['officer'] or '-'}\t{r['name']}" for r in rows)
    _emit(as_json, rows, text)


@case_group.command("add-references")
@click.argument("case_id", type=int)
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def add_references(ctx: click.Context, case_id: int, folder: Path, as_json: bool) -> None:
    """Hash every image and video under FOLDER into the case's references; only the hashes are
    kept (the files stay where they are: delete them when the victim agrees). Each new reference
    is matched at once against everything already seen."""
    files = sorted(
        p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in MEDIA_SUFFIXES
    )
    rt = runtime_from(ctx)
    added: list[dict[str, Any]] = []
    failed: list[dict[str, str]] = []
    try:
        with rt.db.session() as s:
            if s.get(Case, case_id) is None:
                raise click.ClickException(f"no case {case_id}")
        with progress(not as_json) as bar:
            task = bar.add_task("hashing references", total=len(files))
            for path in files:
                try:
                    with rt.db.session() as s:
                        ref = add_upload(
                            s, case_id, path.read_bytes(), ACTOR, rt.services.hash_limits
                        )
                        added.append({"path": str(path), "reference_id": ref.id, "kind": ref.kind})
                except (ReferenceInputError, OSError) as exc:
                    failed.append({"path": str(path), "error": str(exc)})
                bar.advance(task)
        for row in added:
            rt.submit("retro", row["reference_id"])
    finally:
        rt.close()
    text = f"{len(added)} references added to case {case_id}" + "".join(
        f"\nskipped {f['path']}: {f['error']}" for f in failed
    )
    _emit(as_json, {"case_id": case_id, "added": added, "failed": failed}, text)
    if failed:
        ctx.exit(1)


@click.group("source")
def source_group() -> None:
    """Monitored sources: add, list."""


@source_group.command("add")
@click.argument("url")
@click.option("--kind", required=True, help="feed, page, sitemap, search, ...")
@click.option("--interval", "interval_seconds", type=int, default=300, show_default=True)
@click.option("--case", "case_id", type=int, help="The case the source watches for.")
@click.option("--render", type=click.Choice(["http", "browser"]), default="http")
@click.option("--keyword", "keywords", multiple=True)
@click.option("--language")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def add_source_cmd(
    ctx: click.Context,
    url: str,
    kind: str,
    interval_seconds: int,
    case_id: int | None,
    render: str,
    keywords: tuple[str, ...],
    language: str | None,
    as_json: bool,
) -> None:
    """Add a source, checked as the API checks it (the guard refuses private addresses)."""
    try:
        body = SourceIn.model_validate(
            {
                "url": url,
                "kind": kind,
                "interval_seconds": interval_seconds,
                "case_id": case_id,
                "render": render,
                "keywords": list(keywords),
                "language": language,
            }
        )
    except ValidationError as exc:
        raise click.ClickException(str(exc)) from exc
    rt = runtime_from(ctx)
    try:
        with rt.db.session() as s:
            if case_id is not None and s.get(Case, case_id) is None:
                raise click.ClickException(f"no case {case_id}")
            try:
                src = add_source(s, split_fields(body.model_dump()), ACTOR, rt.services.guard)
            except SourceRefused as exc:
                raise click.ClickException(str(exc)) from exc
            out = source_out(src, []).model_dump(mode="json")
    finally:
        rt.close()
    _emit(as_json, out, f"source {out['id']} added")


@source_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def list_sources(ctx: click.Context, as_json: bool) -> None:
    rt = runtime_from(ctx)
    try:
        with rt.db.session() as s:
            rows = [
                source_out(src, []).model_dump(mode="json")
                for src in s.execute(
                    select(Source).where(Source.deleted.is_(False)).order_by(Source.id)
                ).scalars()
            ]
    finally:
        rt.close()
    text = "\n".join(f"{r['id']}\t{r['kind']}\t{r['state']}\t{r['url']}" for r in rows)
    _emit(as_json, rows, text)


COMMANDS = [case_group, source_group]
