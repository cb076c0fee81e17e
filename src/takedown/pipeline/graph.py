"""The pipeline, declared once: its stages and periodic jobs, their lanes and hand-offs.

Every stage is a small class listed in ``STAGES_BASE`` (dotted path → order, as Scrapy's
``ITEM_PIPELINES``); settings may add stages or disable one with ``None``. A stage declares the
stages it hands off to; :meth:`Graph.check_handoff` refuses any other, so the graph printed by
``takedown pipeline`` is the whole truth. Jobs are the scheduler's periodic work: cheap look-ups
that hand due items to a stage. ``ENTRIES`` are the stages the web and the command line may
start (an officer's approval starts ``send``, and so on).

Lanes group stages by the resource they use; each stage has a queue and a worker pool of its
own inside its lane, so a backlog in one stage never delays another:

* ``poll``: I/O, many requests in flight on the process's event loop;
* ``hash``: CPU, about one worker per core;
* ``browser``: bounded browser contexts on one Chromium;
* ``notice``: small and latency-critical: drafting, sending, re-checks, reminders.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from sqlalchemy import ColumnElement

from takedown.plugins import resolve

if TYPE_CHECKING:
    from takedown.config import Settings
    from takedown.pipeline.context import JobContext, StageContext

log = logging.getLogger(__name__)

LANES: tuple[str, ...] = ("poll", "hash", "browser", "notice")

STAGES_BASE: Mapping[str, int] = {
    "takedown.pipeline.stages.poll:PollStage": 100,
    "takedown.pipeline.stages.poll:RenderPollStage": 110,
    "takedown.pipeline.stages.fetch:FetchMediaStage": 200,
    "takedown.pipeline.stages.media:HashStage": 300,
    "takedown.pipeline.stages.media:RematchStage": 310,
    "takedown.pipeline.stages.retro:RetroStage": 320,
    "takedown.pipeline.stages.triage:TriageStage": 350,
    "takedown.pipeline.stages.ocr:OcrStage": 360,
    "takedown.pipeline.stages.capture:CaptureStage": 400,
    "takedown.pipeline.stages.report:ReportStage": 410,
    "takedown.pipeline.stages.draft:DraftStage": 500,
    "takedown.pipeline.stages.send:SendStage": 600,
    "takedown.pipeline.stages.recheck:RecheckStage": 700,
    "takedown.pipeline.stages.renotice:RenoticeStage": 710,
    "takedown.pipeline.stages.mailbox:MailboxStage": 720,
}
JOBS_BASE: Mapping[str, int] = {
    "takedown.pipeline.jobs:WakeSources": 100,
    "takedown.pipeline.jobs:WakeSendRetries": 300,
    "takedown.pipeline.jobs:WakeRechecks": 400,
    "takedown.pipeline.jobs:WakeRenotices": 500,
    "takedown.pipeline.housekeeping:EnforceRetention": 900,
    "takedown.pipeline.housekeeping:StampAuditHead": 910,
    "takedown.pipeline.housekeeping:DispatchAlerts": 920,
    "takedown.pipeline.stages.mailbox:WakeMailbox": 600,
    "takedown.pipeline.stages.ocr:WakeOcr": 600,
}
# What the web and the command line may start, and why.
ENTRIES: Mapping[str, str] = {
    "send": "an officer approves a request",
    "draft": "an officer confirms a candidate, or asks for a draft again",
    "capture": "an officer confirms a candidate whose page has no capture yet",
    "retro": "a reference is added: match it against every media already seen",
    "recheck": "an officer asks for a re-check now",
}


class HandoffError(RuntimeError):
    """A stage handed work to a stage the graph does not declare as its successor."""


@dataclass(frozen=True)
class Work:
    """The work-item table a stage claims rows from, and the columns of its state machine."""

    model: type[Any]
    ready: str
    working: str
    done: str | None = None  # documentation: where the stage leaves an item
    failed: str = "failed"
    state: str = "state"
    changed: str = "state_changed_at"
    attempts: str = "attempts"
    error: str = "error"
    max_attempts: int = 5
    # Which rows of the table belong to this stage (two stages may share a table and states).
    where: Callable[[], ColumnElement[bool]] | None = None

    def column(self, name: str) -> Any:
        return getattr(self.model, getattr(self, name))

    def states(self) -> list[str]:
        return [s for s in (self.ready, self.working, self.done, self.failed) if s]


@cache
def task_work(stage: str) -> Work:
    """The journal rows of a plain stage's tasks (``work`` is None): claimed, swept and parked
    like any work item, and deleted once the task has run."""
    from takedown.store.tables.tasks import StageTask

    return Work(
        StageTask,
        ready="ready",
        working="running",
        where=lambda: StageTask.stage == stage,
    )


def work_of(stage: type[Stage] | Stage) -> Work:
    """What a stage's tasks claim: its own table's rows, or its journal of plain tasks."""
    return stage.work if stage.work is not None else task_work(stage.name)


class Stage(Protocol):
    """One step of the pipeline: built once per process, runs one item at a time.

    ``work`` is ``None`` for a plain task (its item needs no claiming: a re-check, a retro-match);
    otherwise the task claims the row from ``work.ready`` with one conditional UPDATE first.
    """

    name: ClassVar[str]
    lane: ClassVar[str]
    successors: ClassVar[tuple[str, ...]]
    work: ClassVar[Work | None]

    def __init__(self, ctx: StageContext) -> None: ...

    @classmethod
    def concurrency(cls, settings: Settings) -> int: ...

    def run(self, item_id: int) -> None: ...


@runtime_checkable
class Warms(Protocol):
    """A stage with work to do before its first item (an index to build): the workers of its
    lane call ``warm`` once at start, in the background, so the first item does not wait."""

    def warm(self) -> None: ...


class Job(Protocol):
    """A periodic look-up run by the scheduler; hands due items to its successors."""

    name: ClassVar[str]
    lane: ClassVar[str]
    successors: ClassVar[tuple[str, ...]]

    @classmethod
    def interval(cls, settings: Settings) -> float: ...

    def __init__(self, ctx: JobContext) -> None: ...

    def run(self, now: datetime) -> object: ...


def _ordered(base: Mapping[str, int], extra: Mapping[str, int | None]) -> list[str]:
    merged: dict[str, int | None] = {**base, **extra}
    return [path for path, order in sorted(merged.items(), key=lambda kv: kv[1] or 0) if order]


@dataclass(frozen=True)
class Graph:
    stages: tuple[type[Stage], ...]
    jobs: tuple[type[Job], ...]

    @classmethod
    def from_settings(cls, settings: Settings) -> Graph:
        stages = tuple(resolve(p) for p in _ordered(STAGES_BASE, settings.pipeline_stages))
        jobs = tuple(resolve(p) for p in _ordered(JOBS_BASE, settings.pipeline_jobs))
        graph = cls(stages, jobs)
        graph.validate()
        return graph

    def stage(self, name: str) -> type[Stage]:
        for st in self.stages:
            if st.name == name:
                return st
        raise KeyError(f"no stage named {name!r} in the pipeline")

    def names(self) -> list[str]:
        return [st.name for st in self.stages]

    def in_lanes(self, lanes: tuple[str, ...]) -> list[type[Stage]]:
        return [st for st in self.stages if st.lane in lanes]

    def validate(self) -> None:
        names = self.names()
        if len(set(names)) != len(names):
            raise ValueError(f"a stage name is listed twice: {names}")
        nodes: list[type[Stage] | type[Job]] = [*self.stages, *self.jobs]
        for node in nodes:
            if node.lane not in LANES:
                raise ValueError(f"{node.name}: unknown lane {node.lane!r}; lanes are {LANES}")
        for entry in ENTRIES:
            if entry not in names:
                log.warning("entry point %s is disabled in this pipeline", entry)

    def check_handoff(self, source: str, target: str) -> bool:
        """True when ``target`` runs here; False when it is declared but disabled; raises when
        the hand-off is not declared at all."""
        declared: tuple[str, ...]
        if source == "api":
            declared = tuple(ENTRIES)
        else:
            nodes: list[type[Stage] | type[Job]] = [*self.stages, *self.jobs]
            node = next((n for n in nodes if n.name == source), None)
            if node is None:
                raise HandoffError(f"{source!r} is not a stage or job of the pipeline")
            declared = node.successors
        if target not in declared:
            raise HandoffError(f"{source} hands off to {target}, which it does not declare")
        return target in self.names()

    def describe(self, settings: Settings) -> dict[str, Any]:
        """The graph for people and machines: ``takedown pipeline [--json]``."""
        stages = []
        for st in self.stages:
            work = work_of(st)
            stages.append(
                {
                    "name": st.name,
                    "lane": st.lane,
                    "successors": list(st.successors),
                    "concurrency": st.concurrency(settings),
                    "table": work.model.__tablename__,
                    "states": work.states(),
                    "journaled": st.work is None,
                    "max_attempts": work.max_attempts,
                    "doc": (st.__doc__ or "").strip().splitlines()[0] if st.__doc__ else "",
                }
            )
        jobs = [
            {
                "name": j.name,
                "lane": j.lane,
                "successors": list(j.successors),
                "interval_seconds": j.interval(settings),
            }
            for j in self.jobs
        ]
        return {
            "lanes": list(LANES),
            "stages": stages,
            "jobs": jobs,
            "entries": [{"stage": k, "why": v} for k, v in ENTRIES.items()],
        }
