"""`takedown pipeline`: the stage graph as this installation's settings build it."""

from __future__ import annotations

import json
from typing import Any

import click
from sqlalchemy import func, select

from takedown.cli.context import settings_from
from takedown.pipeline.graph import Graph, work_of
from takedown.store.db import Database


@click.command("pipeline")
@click.option("--json", "as_json", is_flag=True, help="Print the graph as JSON.")
@click.option(
    "--status",
    is_flag=True,
    help="Also count each stage's items per state, with the reasons of the failed ones.",
)
@click.pass_context
def pipeline(ctx: click.Context, as_json: bool, status: bool) -> None:
    """Print the pipeline: stages with their lane, successors, concurrency and states."""
    settings = settings_from(ctx)
    built = Graph.from_settings(settings)
    graph = built.describe(settings)
    if status:
        db = Database(settings.database_url)
        try:
            for st in graph["stages"]:
                st["status"] = stage_status(db, built, st["name"])
        finally:
            db.dispose()
    if as_json:
        click.echo(json.dumps(graph, indent=2))
        return
    for lane in graph["lanes"]:
        click.echo(f"lane {lane}")
        for st in (s for s in graph["stages"] if s["lane"] == lane):
            states = " -> ".join(st["states"]) or "(task)"
            nxt = ", ".join(st["successors"]) or "(end)"
            click.echo(
                f"  {st['name']:<9} x{st['concurrency']:<3} {st['table'] or '':<10} "
                f"{states:<40} => {nxt}"
            )
            if status:
                counts = st["status"]["counts"]
                click.echo(
                    "      " + (", ".join(f"{k} {v}" for k, v in counts.items()) or "no items")
                )
                for failure in st["status"]["failed"]:
                    click.echo(f"      failed #{failure['id']}: {failure['error']}")
        for job in (j for j in graph["jobs"] if j["lane"] == lane):
            nxt = ", ".join(job["successors"])
            click.echo(f"  job {job['name']:<18} every {job['interval_seconds']:g} s => {nxt}")
    click.echo("entries (web, command line): " + ", ".join(e["stage"] for e in graph["entries"]))


def stage_status(db: Database, graph: Graph, name: str, failed: int = 3) -> dict[str, Any]:
    """Items of one stage per state, and the newest parked failures with their reasons."""
    work = work_of(graph.stage(name))
    state = work.column("state")
    scope = [work.where()] if work.where is not None else []
    with db.session() as s:
        counts: dict[Any, Any] = dict(
            s.execute(select(state, func.count()).where(*scope).group_by(state)).tuples().all()
        )
        rows = s.execute(
            select(work.model.id, work.column("error"))
            .where(state == work.failed, *scope)
            .order_by(work.column("changed").desc())
            .limit(failed)
        ).all()
    return {
        "counts": {str(k): int(v) for k, v in sorted(counts.items())},
        "failed": [{"id": int(i), "error": str(e or "")} for i, e in rows],
    }


COMMANDS = [pipeline]
