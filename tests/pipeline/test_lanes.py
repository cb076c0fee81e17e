"""A backlog in one lane never delays another: with 200 slow captures waiting in the browser
lane, sources are still polled on time and a sent request is still re-checked on time."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from takedown.config import Settings
from takedown.pipeline.roles import Workers
from takedown.pipeline.runtime import Runtime
from takedown.store.base import utcnow
from takedown.store.tables import (
    Case,
    Detection,
    Evidence,
    Followup,
    Notice,
    Page,
    Source,
    notice_detections,
)
from tests.notices.conftest import Site
from tests.pipeline import slowcapture

CAPTURES = 200
WINDOW = 12.0
INTERVAL = 1
RECHECK = 2


@pytest.mark.slow
def test_polls_and_rechecks_keep_time_behind_200_slow_captures(tmp_path: Path) -> None:
    site = Site()
    site.html("/", '<html lang="en"><body><a href="/p/1">one</a></body></html>')
    site.html("/p/1", '<html lang="en"><body><p>a post</p></body></html>')
    site.server.start()
    settings = Settings(
        home=tmp_path / "home",
        fetch_allow=[site.origin],
        pipeline_stages={
            "takedown.pipeline.stages.capture:CaptureStage": None,
            "tests.pipeline.slowcapture:SlowCapture": 400,
        },
        browser_contexts=2,
        recheck_seconds=RECHECK,
        scheduler_tick_seconds=0.2,
        sweep_seconds=3600,
    )
    rt = Runtime(settings)
    try:
        with rt.db.session() as s:
            case = Case(name="lanes", keywords=[])
            s.add(case)
            for i in range(3):
                s.add(
                    Source(
                        url=site.url(f"/?s={i}"),
                        kind="page",
                        interval_seconds=INTERVAL,
                        state="idle",
                    )
                )
            page = Page(url_hash="p" * 64, url=site.url("/p/1"), site="lanes")
            s.add(page)
            s.flush()
            evidence = [
                Evidence(key=f"ev-{i:04d}", page_id=page.id, page_url=page.url, state="pending")
                for i in range(CAPTURES)
            ]
            s.add_all(evidence)
            det = Detection(
                case_id=case.id,
                page_id=page.id,
                page_url=page.url,
                site="lanes",
                kind="text",
                algorithm="keyword",
                distance=0.0,
            )
            s.add(det)
            now = utcnow()
            notice = Notice(
                case_id=case.id, site="lanes", status="sent", sent_at=now, to=["a@b.test"]
            )
            s.add(notice)
            s.flush()
            s.execute(insert(notice_detections).values(notice_id=notice.id, detection_id=det.id))
            ids, notice_id = [e.id for e in evidence], notice.id
        for ev_id in ids:
            rt.submit("capture", ev_id)
        workers = Workers(rt)
        workers.start()
        started = time.monotonic()
        removed_at = None
        try:
            while time.monotonic() - started < WINDOW:
                if removed_at is None and time.monotonic() - started > WINDOW / 2:
                    site.status("/p/1", 404)  # the site takes the post down mid-run
                    removed_at = utcnow()
                time.sleep(0.2)
        finally:
            workers.stop()
        with rt.db.session() as s:
            polls = list(s.execute(select(Source.polls)).scalars())
            checks = list(
                s.execute(select(Followup.checked_at).where(Followup.notice_id == notice_id))
                .scalars()
                .all()
            )
            left = s.execute(
                select(func.count()).select_from(Evidence).where(Evidence.state == "pending")
            ).scalar_one()
            gone = s.get(Detection, det.id)
        # The browser lane is still full: at most 2 captures at a time, 3 s each.
        assert len(slowcapture.started) <= 2 * (WINDOW / slowcapture.SECONDS + 1)
        assert left > CAPTURES - 20
        # Every source was polled about once a second (none waited behind the captures).
        assert min(polls) >= WINDOW / INTERVAL / 2, polls
        # The sent request was re-checked every RECHECK seconds, and the removal noticed.
        # (re-checks stop once the detection is removed, half-way through)
        assert len(checks) >= WINDOW / 2 / RECHECK - 1, checks
        assert gone is not None and gone.status == "removed" and gone.removed_at is not None
        assert removed_at is not None
        assert gone.removed_at - removed_at <= timedelta(seconds=2 * RECHECK + 1)
    finally:
        rt.close()
        site.server.stop()
