"""Commands for files on disk: hash them, match them against the references."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from takedown.cli.context import runtime_from, settings_from
from takedown.matching.hashing import HashLimits, hash_file_report, hash_media
from takedown.media.errors import MediaError
from takedown.pipeline import services


@click.command("hash")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file, in a list.")
@click.pass_context
def hash_cmd(ctx: click.Context, files: tuple[str, ...], as_json: bool) -> None:
    """Print each file's SHA-256 and PDQ hash (vPDQ frame hashes for a video)."""
    limits = HashLimits.from_settings(settings_from(ctx))
    out = []
    failed = False
    for f in files:
        try:
            out.append(hash_file_report(f, limits))
        except MediaError as exc:
            failed = True
            out.append({"path": f, "error": str(exc)})
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        for item in out:
            click.echo(
                f"{item['path']}\t{item.get('sha256', '-')}\t{item.get('pdq') or item.get('error', '')}"
            )
    if failed:
        ctx.exit(1)


@click.command("match")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--case", "case_id", type=int, default=None, help="Only this case's references.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def match_cmd(
    ctx: click.Context, files: tuple[str, ...], case_id: int | None, as_json: bool
) -> None:
    """Match files against every reference (or one case's); nothing is stored."""
    rt = runtime_from(ctx)
    try:
        matcher = services.matcher(rt).refresh()
        results: list[dict[str, Any]] = []
        for f in files:
            data = Path(f).read_bytes()
            try:
                found = matcher.match(
                    hash_media(data, services.hash_limits(rt)), case_id=case_id, data=data
                )
            except MediaError as exc:
                results.append({"path": f, "error": str(exc), "matches": []})
                continue
            results.append(
                {
                    "path": f,
                    "matches": [
                        {
                            "case_id": r.case_id,
                            "reference_id": r.reference_id,
                            "algorithm": r.algorithm,
                            "distance": r.distance,
                            "confidence": r.confidence,
                        }
                        for r in found
                    ],
                }
            )
    finally:
        rt.close()
    if as_json:
        # One file: the API's list; several: one entry per file.
        click.echo(json.dumps(results[0]["matches"] if len(results) == 1 else results, indent=2))
    else:
        for item in results:
            click.echo(f"{item['path']}: {len(item['matches'])} match(es) {item.get('error', '')}")
            for m in item["matches"]:
                click.echo(
                    f"  case {m['case_id']} reference {m['reference_id']} "
                    f"{m['algorithm']} distance {m['distance']}"
                )


COMMANDS = [hash_cmd, match_cmd]
