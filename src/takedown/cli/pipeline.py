"""`takedown pipeline`: the stage graph as this installation's settings build it."""

from __future__ import annotations

import json

import click

from takedown.cli.context import settings_from
from takedown.pipeline.graph import Graph


@click.command("pipeline")
@click.option("--json", "as_json", is_flag=True, help="Print the graph as JSON.")
@click.pass_context
def pipeline(ctx: click.Context, as_json: bool) -> None:
    """Print the pipeline: stages with their lane, successors, concurrency and states."""
    settings = settings_from(ctx)
    graph = Graph.from_settings(settings).describe(settings)
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
        for job in (j for j in graph["jobs"] if j["lane"] == lane):
            nxt = ", ".join(job["successors"])
            click.echo(f"  job {job['name']:<18} every {job['interval_seconds']:g} s => {nxt}")
    click.echo("entries (web, command line): " + ", ".join(e["stage"] for e in graph["entries"]))


COMMANDS = [pipeline]
