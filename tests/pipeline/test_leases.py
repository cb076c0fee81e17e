"""Leases renewed while a stage runs; plain tasks journaled, swept when lost, parked when failing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from takedown.cli.main import cli
from takedown.cli.pipeline import stage_status
from takedown.config import Settings
from takedown.pipeline.context import StageContext
from takedown.pipeline.graph import Work, task_work
from takedown.pipeline.lease import Leases
from takedown.pipeline.runtime import Runtime
from takedown.pipeline.scheduler import sweep_stages
from takedown.pipeline.stage import Defer, backoff, execute, journal, sweep
from takedown.pipeline.stages.poll import PollStage
from takedown.store.base import utcnow
from takedown.store.tables import Source, StageTask
from tests.support.drain import drain

RUNS: list[int] = []


class BrokenStage:
    """A plain stage whose every item raises (a poison item)."""

    name: ClassVar[str] = "broken"
    lane: ClassVar[str] = "hash"
    successors: ClassVar[tuple[str, ...]] = ()
    work: ClassVar[Work | None] = None

    def __init__(self, ctx: StageContext) -> None:
        self.ctx = ctx

    @classmethod
    def concurrency(cls, settings: Settings) -> int:
        return 1

    def run(self, item_id: int) -> None:
        RUNS.append(item_id)
        raise ValueError(f"item {item_id} cannot be read")


class CountingStage(BrokenStage):
    name: ClassVar[str] = "counting"

    def run(self, item_id: int) -> None:
        RUNS.append(item_id)


@pytest.fixture
def rt(tmp_path: Path) -> Iterator[Runtime]:
    RUNS.clear()
    settings = Settings(
        home=tmp_path / "home",
        lease_seconds=2,
        pipeline_stages={
            f"{__name__}:BrokenStage": 900,
            f"{__name__}:CountingStage": 910,
        },
    )
    runtime = Runtime(settings)
    yield runtime
    runtime.close()


def _age(rt: Runtime, seconds: float) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    with rt.db.session() as s:
        s.execute(update(StageTask).values(state_changed_at=utcnow() - timedelta(seconds=seconds)))


def test_a_held_item_is_never_swept_and_a_dead_workers_item_is(rt: Runtime) -> None:
    work = PollStage.work
    assert work is not None
    with rt.db.session() as s:
        live = Source(url="http://127.0.0.1:1/a", kind="board", interval_seconds=5, state="polling")
        dead = Source(url="http://127.0.0.1:1/b", kind="board", interval_seconds=5, state="polling")
        s.add_all([live, dead])
        s.flush()
        live_id, dead_id = live.id, dead.id
    leases = Leases(rt.db, lease_seconds=1.5)  # renewed every 0.5 s
    from datetime import timedelta

    lease = timedelta(seconds=1.5)
    try:
        with leases.held(work, live_id):
            time.sleep(2.5)  # longer than the lease: only the renewal keeps it
            swept = sweep(rt.db, work, lease, queued=0)
        assert live_id not in swept, "a live item's lease expired while its stage ran"
        assert dead_id in swept, "a dead worker's item was not handed back"
    finally:
        leases.close()


def test_a_plain_task_is_journaled_run_once_and_removed(rt: Runtime) -> None:
    task = journal(rt.db, "counting", 41, 0.0)
    assert task is not None
    assert journal(rt.db, "counting", 41, 0.0) is None  # one waits already: not queued twice
    rt.queues.enqueue("counting", task)
    drain(rt)
    assert RUNS == [41]
    with rt.db.session() as s:
        assert s.execute(select(StageTask)).scalars().all() == []


def test_a_lost_plain_task_is_swept_back_and_runs(rt: Runtime) -> None:
    task = journal(rt.db, "counting", 42, 0.0)
    assert task is not None
    # The task was never queued (its worker died with it in memory): only the journal knows.
    _age(rt, 10)
    assert sweep_stages(rt, ("hash",)) == 1
    drain(rt)
    assert RUNS == [42]
    with rt.db.session() as s:
        assert s.execute(select(StageTask)).scalars().all() == []


def test_a_poison_plain_task_is_retried_with_backoff_then_parked_visibly(
    rt: Runtime, tmp_path: Path
) -> None:
    task = journal(rt.db, "broken", 7, 0.0)
    assert task is not None
    delays: list[float | None] = []
    stage = rt.stages["broken"]
    work = task_work("broken")
    for _ in range(work.max_attempts + 1):  # the last delivery finds it parked: does nothing
        execute(rt.db, stage, task, lambda *a: delays.append(a[3]), 2, rt.leases)
    assert [7] * work.max_attempts == RUNS
    assert delays == [backoff(n, 2) for n in range(1, work.max_attempts)]
    status = stage_status(rt.db, rt.graph, "broken")
    assert status["counts"] == {"failed": 1}
    assert status["failed"][0]["error"] == "ValueError: item 7 cannot be read"
    # The same item handed off again starts over from its first attempt, on the same row.
    assert journal(rt.db, "broken", 7, 0.0) == task
    with rt.db.session() as s:
        row = s.get(StageTask, task)
        assert row is not None and (row.state, row.attempts) == ("ready", 0)


def test_pipeline_status_prints_each_stages_counts_and_failures(rt: Runtime) -> None:
    task = journal(rt.db, "broken", 9, 0.0)
    assert task is not None
    with rt.db.session() as s:
        row = s.get(StageTask, task)
        assert row is not None
        row.state, row.error = "failed", "ValueError: item 9 cannot be read"
    env = {
        "TAKEDOWN_HOME": str(rt.settings.home),
        "TAKEDOWN_PIPELINE_STAGES": f'{{"{__name__}:BrokenStage": 900}}',
    }
    out = CliRunner().invoke(cli, ["pipeline", "--status"], env=env)
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("broken"))
    assert "failed 1" in lines[at + 1]
    assert f"failed #{task}: ValueError: item 9 cannot be read" in lines[at + 2]


class BusyStage(BrokenStage):
    """A stage whose resource is busy: it declines every item for a second."""

    name: ClassVar[str] = "busy"

    def run(self, item_id: int) -> None:
        RUNS.append(item_id)
        raise Defer(1.0, priority=3.0)


def test_a_deferred_item_goes_back_uncounted_and_is_queued_later(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", pipeline_stages={f"{__name__}:BusyStage": 900})
    rt = Runtime(settings)
    try:
        task = journal(rt.db, "busy", 5, 0.0)
        assert task is not None
        queued: list[tuple[object, ...]] = []
        for _ in range(3):
            execute(rt.db, rt.stages["busy"], task, lambda *a: queued.append(a), 300, rt.leases)
        assert RUNS[-3:] == [5, 5, 5]
        assert queued == [("busy", task, 3.0, 1.0)] * 3
        with rt.db.session() as s:
            row = s.get(StageTask, task)
            assert row is not None and (row.state, row.attempts, row.error) == ("ready", 0, None)
    finally:
        rt.close()


def test_a_keyword_only_capture_without_a_free_slot_is_deferred_not_waited_for(
    rt: Runtime,
) -> None:
    from takedown.pipeline.stages.capture import DEFER_SECONDS, CaptureSlots, capture
    from takedown.store.tables import Case, Detection, Evidence, Page

    with rt.db.session() as s:
        case = Case(name="c", keywords=[])
        s.add(case)
        s.flush()
        page = Page(url_hash="q" * 64, url="http://127.0.0.1:9/p", site="board")
        s.add(page)
        s.flush()
        ev = Evidence(key="ev-defer", page_id=page.id, page_url=page.url, state="capturing")
        s.add(ev)
        s.add(
            Detection(
                case_id=case.id,
                page_id=page.id,
                page_url=page.url,
                site="board",
                kind="text",
                algorithm="keyword",
                distance=0.0,
                priority=2.0,
            )
        )
        s.flush()
        ev_id = ev.id
    slots = CaptureSlots(background=1)
    assert slots.take_background(0)  # every keyword-only slot is taken
    ctx = rt.stages["capture"].ctx  # type: ignore[attr-defined]
    started = time.monotonic()
    with pytest.raises(Defer) as got:
        capture(ctx, ev_id, slots)
    assert time.monotonic() - started < 3  # a short wait, never the length of a capture
    assert (got.value.seconds, got.value.priority) == (DEFER_SECONDS, 2.0)
    slots.give_background()
    with slots.urgent(), pytest.raises(Defer):  # a match's capture runs: no keyword one starts
        capture(ctx, ev_id, slots)
    assert slots.take_background(0)  # and once it is done, one may


def test_capture_slots_let_a_keyword_capture_start_when_the_matches_are_done() -> None:
    import threading

    from takedown.pipeline.stages.capture import CaptureSlots

    slots = CaptureSlots(background=2)
    got: list[bool] = []
    with slots.urgent():
        waiter = threading.Thread(target=lambda: got.append(slots.take_background(5)))
        waiter.start()
        time.sleep(0.3)
        assert got == []  # waits while the match's capture runs
    waiter.join(5)
    assert got == [True]
    assert slots.take_background(0) and not slots.take_background(0)  # two at most
