"""Capture stage: a page with a new detection → browser capture → reports → Evidence + Artifacts."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown import __version__
from takedown.audit import Event, record
from takedown.config import Settings
from takedown.evidence.capture import (
    CaptureError,
    CaptureOptions,
    load_page,
    new_evidence_key,
    store_capture,
)
from takedown.fetch.browser import background_pages
from takedown.pipeline.context import StageContext
from takedown.pipeline.graph import Work
from takedown.pipeline.stage import Defer
from takedown.pipeline.stages.draft import request_draft
from takedown.pipeline.stages.report import record_artifacts
from takedown.store.base import utcnow
from takedown.store.tables import Detection, Evidence, Page

log = logging.getLogger(__name__)
ACTOR = f"takedown/{__version__} capture"
CAPTURE_TIMEOUT = 180.0
# A keyword-only capture waits this long for a free slot, then goes back to the queue for this
# long: a match's capture waits at most the first for a thread, and a backlog of hundreds is
# offered again a few at a time, not spun through.
GATE_WAIT_SECONDS = 1.0
DEFER_SECONDS = 5.0


class CaptureStage:
    """Capture a page with a new detection in the browser: WARC, screenshot, reports, custody."""

    name: ClassVar[str] = "capture"
    lane: ClassVar[str] = "browser"
    successors: ClassVar[tuple[str, ...]] = ("draft", "report")
    work: ClassVar[Work | None] = Work(
        Evidence, ready="pending", working="capturing", done="captured", max_attempts=3
    )

    def __init__(self, ctx: StageContext) -> None:
        self.ctx = ctx
        # Keyword-only captures at once: a quarter of the pages (the browser enforces the same).
        self._slots = CaptureSlots(background_pages(ctx.settings.browser_contexts))

    @classmethod
    def concurrency(cls, settings: Settings) -> int:
        # One thread more than pages: a match's capture finds a thread while keyword-only
        # captures (at most a quarter of the pages) run or wait for their slot.
        return settings.browser_contexts + 1

    def run(self, evidence_id: int) -> None:
        drafts = capture(self.ctx, evidence_id, self._slots)
        for notice_id, priority in drafts:
            self.ctx.handoff("draft", notice_id, priority)
        with self.ctx.db.session() as s:
            ev = s.get(Evidence, evidence_id)
            captured = ev is not None and ev.state == "captured"
        if captured:
            # The reports are CPU work: written in the hash lane, so the browser's threads go
            # back to capturing, and the draft (which cites the capture) does not wait for them.
            self.ctx.handoff("report", evidence_id, 0.0)


def _fresh_key(ctx: StageContext, evidence_id: int, old: str, left: list[str]) -> str:
    key = new_evidence_key()
    with ctx.db.session() as s:
        ev = s.get(Evidence, evidence_id)
        if ev is not None:
            ev.key = key
        record(
            s,
            Event(
                "evidence.attempt_abandoned",
                ACTOR,
                "evidence",
                evidence_id,
                {"abandoned_key": old, "files": sorted(left), "new_key": key},
            ),
        )
    log.warning("evidence %s: an earlier capture left %s; capturing afresh", evidence_id, old)
    return key


class CaptureSlots:
    """Who may capture now, in this process: a match's capture always; a keyword-only capture
    only while no match's capture runs and fewer than ``background`` keyword captures do.

    On two cores a keyword capture slows every capture beside it, so a wave of keyword pages
    must never be what a match's capture waits behind; those already running finish, no new one
    starts until the matches' captures are done.
    """

    def __init__(self, background: int) -> None:
        self.background = background
        self._cond = threading.Condition()
        self._urgent = 0
        self._running = 0

    def take_background(self, timeout: float) -> bool:
        with self._cond:
            ok = self._cond.wait_for(
                lambda: self._urgent == 0 and self._running < self.background, timeout
            )
            if ok:
                self._running += 1
            return ok

    def give_background(self) -> None:
        with self._cond:
            self._running -= 1
            self._cond.notify_all()

    @contextmanager
    def urgent(self) -> Iterator[None]:
        with self._cond:
            self._urgent += 1
        try:
            yield
        finally:
            with self._cond:
                self._urgent -= 1
                self._cond.notify_all()


def capture(
    ctx: StageContext, evidence_id: int, slots: CaptureSlots | None = None
) -> list[tuple[int, float]]:
    """Capture the evidence; returns the drafts (notice id, priority) it completes.

    A keyword-only page (``background``) that gets no slot (:class:`CaptureSlots`) within
    ``GATE_WAIT_SECONDS`` is deferred (:class:`Defer`): the thread goes back to the queue, where
    a match's capture may be waiting, instead of blocking behind the other keyword captures.
    """
    with ctx.db.session() as s:
        ev = s.get(Evidence, evidence_id)
        if ev is None:
            return []
        key, url = ev.key, ev.page_url
        dets = list(s.execute(select(Detection).where(Detection.page_id == ev.page_id)).scalars())
        media_urls = sorted({d.media_url for d in dets if d.media_url})
        case_ids = sorted({d.case_id for d in dets if d.case_id is not None})
        priority = max((d.priority for d in dets), default=0.0)
        background = all(d.kind == "text" for d in dets)
    if slots is None:
        return _capture(ctx, evidence_id, key, url, media_urls, case_ids, priority, background)
    if background:
        if not slots.take_background(GATE_WAIT_SECONDS):
            raise Defer(DEFER_SECONDS, priority)
        try:
            return _capture(ctx, evidence_id, key, url, media_urls, case_ids, priority, True)
        finally:
            slots.give_background()
    with slots.urgent():
        return _capture(ctx, evidence_id, key, url, media_urls, case_ids, priority, False)


def _capture(
    ctx: StageContext,
    evidence_id: int,
    key: str,
    url: str,
    media_urls: list[str],
    case_ids: list[int],
    priority: float,
    background: bool,
) -> list[tuple[int, float]]:
    services = ctx.services.evidence
    store, vault = services.store, services.vault
    if store.names(key):
        # An earlier attempt died part-way (a killed worker): its files stay as they are, never
        # overwritten, and this attempt writes a folder of its own.
        key = _fresh_key(ctx, evidence_id, key, store.names(key))
    options = CaptureOptions(timezone=ctx.settings.timezone, actor=ACTOR, background=background)
    try:
        # The browser works on the event loop; the CPU part (WARC, screenshot, thumbnails,
        # encryption, custody) runs here in the worker thread, so the loop's polls, fetches and
        # other captures never wait for it.
        browser = ctx.services.background_browser if background else ctx.services.browser
        page = ctx.services.run(load_page(browser, url, options), timeout=CAPTURE_TIMEOUT)
        committed = store_capture(
            page,
            store=store,
            evidence_key=key,
            vault=vault,
            media_urls=media_urls,
            options=options,
            tsa=services.tsa,
            signer=services.signer,
        )
    except CaptureError as exc:
        return _failed(ctx, evidence_id, exc.reason, priority)
    manifest = committed.manifest
    with ctx.db.session() as s:
        ev = s.get(Evidence, evidence_id)
        if ev is None:
            return []
        ev.state, ev.error = "captured", None
        ev.state_changed_at = utcnow()
        ev.captured_at = manifest.captured_at
        ev.manifest = manifest.to_dict()
        ev.custody_entry = committed.entry.id
        record_artifacts(s, ev, key, manifest.artifacts)
        for det in s.execute(select(Detection).where(Detection.page_id == ev.page_id)).scalars():
            if det.evidence_id is None:
                det.evidence_id = ev.id
        record(
            s,
            Event(
                "evidence.captured",
                "system:capture",
                "evidence",
                ev.id,
                {
                    "key": key,
                    "custody_entry": committed.entry.id,
                    "artifacts": len(manifest.artifacts),
                },
            ),
        )
        drafts = [n for c in case_ids if (n := request_draft(s, c, _site(s, ev))) is not None]
        return [(n.id, priority) for n in drafts]


def _site(s: Session, ev: Evidence) -> str:
    page = s.get(Page, ev.page_id)
    return page.site if page else ""


def _failed(
    ctx: StageContext, evidence_id: int, reason: str, priority: float
) -> list[tuple[int, float]]:
    """A page that cannot be captured: the reason is kept; drafting goes on without evidence."""
    with ctx.db.session() as s:
        ev = s.get(Evidence, evidence_id)
        if ev is None:
            return []
        ev.state, ev.error = "failed", reason[:2000]
        ev.state_changed_at = utcnow()
        record(s, Event("evidence.failed", "system:capture", "evidence", ev.id, {"reason": reason}))
        page_site = _site(s, ev)
        cases = {
            d.case_id
            for d in s.execute(select(Detection).where(Detection.page_id == ev.page_id)).scalars()
            if d.case_id
        }
        return [
            (n.id, priority)
            for c in sorted(cases)
            if (n := request_draft(s, c, page_site)) is not None
        ]
