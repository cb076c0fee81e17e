"""The stage graph is the whole truth: every hand-off a stage makes is one it declares, and
`takedown pipeline --json` lists every stage once with its lane and successors."""

from __future__ import annotations

import ast
import inspect
import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from takedown.cli.main import cli
from takedown.config import Settings
from takedown.pipeline.graph import ENTRIES, LANES, Graph, HandoffError
from takedown.pipeline.routing import ROUTES
from takedown.pipeline.runtime import Runtime


def _graph(tmp_path: Path) -> Graph:
    return Graph.from_settings(Settings(home=tmp_path))


def test_pipeline_json_lists_every_stage_once(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--home", str(tmp_path), "pipeline", "--json"])
    assert result.exit_code == 0, result.output
    graph = json.loads(result.output)
    names = [st["name"] for st in graph["stages"]]
    assert len(names) == len(set(names))
    assert set(names) == set(_graph(tmp_path).names())
    for st in graph["stages"]:
        assert st["lane"] in LANES and st["concurrency"] >= 1
        assert set(st["successors"]) <= set(names), st
    assert {"poll", "fetch", "hash", "capture", "draft", "send", "recheck"} <= set(names)
    lanes = {st["name"]: st["lane"] for st in graph["stages"]}
    assert lanes["capture"] == "browser" and lanes["render"] == "browser"
    assert lanes["hash"] == "hash" and lanes["poll"] == "poll" and lanes["send"] == "notice"
    # The human form names every stage too.
    text = CliRunner().invoke(cli, ["--home", str(tmp_path), "pipeline"]).output
    assert all(name in text for name in names)


def _sources(cls: type) -> list[str]:
    """The class's source and that of the takedown functions it calls (two levels deep)."""
    module = inspect.getmodule(cls)
    assert module is not None
    seen: set[object] = set()
    out: list[str] = []
    todo: list[tuple[object, int]] = [(cls, 0)]
    while todo:
        obj, depth = todo.pop()
        if obj in seen:
            continue
        seen.add(obj)
        src = inspect.getsource(obj)  # type: ignore[arg-type]
        out.append(src)
        if depth >= 2:
            continue
        scope = vars(inspect.getmodule(obj))  # type: ignore[arg-type]
        for node in ast.walk(ast.parse(textwrap.dedent(src))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                fn = scope.get(node.func.id)
                if inspect.isfunction(fn) and fn.__module__.startswith("takedown."):
                    todo.append((fn, depth + 1))
    return out


def _handoffs(cls: type) -> tuple[set[str], bool]:
    """Literal targets of `.handoff("x", ...)` in a stage and what it calls, and whether it
    routes detections through route_hits."""
    targets: set[str] = set()
    routes = False
    for src in _sources(cls):
        for node in ast.walk(ast.parse(textwrap.dedent(src))):
            if not isinstance(node, ast.Call):
                continue
            if isinstance(node.func, ast.Attribute) and node.func.attr == "handoff" and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    targets.add(first.value)
            if getattr(node.func, "id", "") in ("route_hits", "record_matches"):
                routes = True
    return targets, routes


def test_every_handoff_is_declared(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    for node in (*graph.stages, *graph.jobs):
        targets, routes = _handoffs(node)
        declared = set(node.successors)
        assert targets <= declared, f"{node.name} hands off to {targets - declared} undeclared"
        if routes:
            assert set(ROUTES) <= declared, f"{node.name} routes detections: declare {ROUTES}"
    assert set(ENTRIES) <= set(graph.names())
    # The scan sees real hand-offs (it is not vacuous): poll's go through ingest_page.
    assert {"fetch", "rematch"} <= _handoffs(graph.stage("poll"))[0]
    assert {"triage", "fetch"} <= _handoffs(graph.stage("hash"))[0]
    assert _handoffs(graph.stage("capture"))[0] == {"draft", "report"}
    assert _handoffs(graph.stage("draft"))[0] == {"draft"}


def test_an_undeclared_handoff_is_refused(tmp_path: Path) -> None:
    rt = Runtime(Settings(home=tmp_path / "home"))
    try:
        with pytest.raises(HandoffError, match="does not declare"):
            rt.handoff("send", "capture", 1)  # send declares no successor
        with pytest.raises(HandoffError, match="does not declare"):
            rt.submit("fetch", 1)  # not an entry point
        with pytest.raises(HandoffError):
            rt.handoff("no-such-stage", "draft", 1)
        rt.handoff("poll", "fetch", 1)  # declared: queued
        assert rt.queues.pending("fetch") == 1
    finally:
        rt.close()


def test_a_stage_can_be_disabled_replaced_and_not_doubled(tmp_path: Path) -> None:
    off = Graph.from_settings(
        Settings(
            home=tmp_path, pipeline_stages={"takedown.pipeline.stages.triage:TriageStage": None}
        )
    )
    assert "triage" not in off.names() and "hash" in off.names()
    replaced = Graph.from_settings(
        Settings(
            home=tmp_path,
            pipeline_stages={
                "takedown.pipeline.stages.capture:CaptureStage": None,
                "tests.pipeline.slowcapture:SlowCapture": 400,
            },
        )
    )
    assert replaced.stage("capture").__name__ == "SlowCapture"
    with pytest.raises(ValueError, match="listed twice"):
        Graph.from_settings(
            Settings(home=tmp_path, pipeline_stages={"tests.pipeline.slowcapture:SlowCapture": 450})
        )
