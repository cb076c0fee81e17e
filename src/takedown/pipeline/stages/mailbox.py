"""Mailbox stage and job: read the center's mailbox, thread each message to its request.

The job (``wake_mailbox``) wakes the mailbox's cursor when its next read is due; the stage reads
every message above the cursor (IMAP, read-only), takes each into the store
(:func:`~takedown.notices.mailbox.intake.ingest`) and starts what it calls for: an immediate
re-check after a verified "removed" reply, and, after a bounce, a draft of the request to the
next contact in provenance order, which waits for the officer. When the server offers IDLE, the
stage then waits in IDLE up to ``imap_idle_seconds`` and reads again as soon as mail arrives.
No reply is ever sent.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from datetime import datetime, timedelta
from typing import ClassVar

from sqlalchemy import insert, select

from takedown.audit import Event, record
from takedown.config import Settings
from takedown.notices.compose import compose_notice
from takedown.notices.contacts.discover import discover_contacts
from takedown.notices.escalation import next_contact_after_bounce
from takedown.notices.mailbox.imap import MailboxError, MailSource, open_source
from takedown.notices.mailbox.intake import Intake, ingest
from takedown.pipeline import contacts as contact_cache
from takedown.pipeline.context import JobContext, StageContext
from takedown.pipeline.graph import Work
from takedown.pipeline.stage import wake
from takedown.pipeline.stages.draft import apply, build_request
from takedown.store.base import utcnow
from takedown.store.tables import Detection, MailboxCursor, Notice, notice_detections

log = logging.getLogger(__name__)
ACTOR = "system:mailbox"


def mailbox_label(settings: Settings) -> str | None:
    from takedown.notices.mailbox.imap import ImapConfig

    return ImapConfig.from_url(settings.imap_url).label if settings.imap_url else None


class MailboxStage:
    """Read new mail, thread it to its request, store it as evidence; start the follow-up."""

    name: ClassVar[str] = "mailbox"
    lane: ClassVar[str] = "notice"
    successors: ClassVar[tuple[str, ...]] = ("recheck",)
    work: ClassVar[Work | None] = Work(
        MailboxCursor, ready="queued", working="reading", done="idle", max_attempts=3
    )

    def __init__(self, ctx: StageContext) -> None:
        self.ctx = ctx

    @classmethod
    def concurrency(cls, settings: Settings) -> int:
        return 1  # one reader per mailbox: the cursor is its lock

    def run(self, cursor_id: int) -> None:
        ctx = self.ctx
        if not ctx.settings.imap_url:
            return
        error: str | None = None
        idled = False
        try:
            with open_source(ctx.settings.imap_url) as source:
                self._read(cursor_id, source)
                deadline = time.monotonic() + ctx.settings.imap_idle_seconds
                while source.can_idle and (left := deadline - time.monotonic()) > 1:
                    idled = True
                    if source.idle(left):
                        self._read(cursor_id, source)
        except MailboxError as exc:
            error = str(exc)[:2000]
            log.warning("mailbox: %s", error)
        with ctx.db.session() as s:
            cur = s.get(MailboxCursor, cursor_id)
            if cur is not None:
                cur.state, cur.state_changed_at, cur.error = "idle", utcnow(), error
                # After an IDLE window the next one starts at once; otherwise the mailbox is
                # polled every imap_poll_seconds.
                wait = 0.0 if idled and error is None else ctx.settings.imap_poll_seconds
                cur.next_poll_at = utcnow() + timedelta(seconds=wait)
                if error is None:
                    cur.attempts = 0

    def _read(self, cursor_id: int, source: MailSource) -> list[Intake]:
        ctx = self.ctx
        with ctx.db.session() as s:
            cur = s.get(MailboxCursor, cursor_id)
            if cur is None:
                return []
            if cur.uidvalidity != source.uidvalidity:  # a new mailbox: read it from the start
                cur.uidvalidity, cur.last_uid = source.uidvalidity, 0
            last = cur.last_uid
        done: list[Intake] = []
        for fetched in source.fetch_after(last):
            with ctx.db.session() as s:
                taken = ingest(s, ctx.services.evidence, fetched.raw)
                cur = s.get(MailboxCursor, cursor_id)
                if cur is not None:
                    cur.last_uid, cur.last_read_at = max(cur.last_uid, fetched.uid), utcnow()
            if taken is None:
                continue
            done.append(taken)
            if taken.recheck and taken.notice_id is not None:
                ctx.handoff("recheck", taken.notice_id, 100.0)
            if taken.bounced and taken.notice_id is not None:
                draft_after_bounce(ctx, taken.notice_id)
        return done


def draft_after_bounce(ctx: StageContext, notice_id: int) -> int | None:
    """A new request to the next contact in provenance order, as a draft for the officer
    (never sent by itself). Returns its id, or None when nobody is left or one already waits."""
    with ctx.db.session() as s:
        n = s.get(Notice, notice_id)
        if n is None:
            return None
        waiting = s.execute(
            select(Notice.id).where(
                Notice.parent_id == n.id, Notice.status == "draft", Notice.kind == "initial"
            )
        ).first()
        if waiting is not None:
            return None
        dets = list(
            s.execute(
                select(Detection)
                .join(notice_detections, notice_detections.c.detection_id == Detection.id)
                .where(notice_detections.c.notice_id == n.id, Detection.status == "active")
                .order_by(Detection.id)
            ).scalars()
        )
        if not dets:
            return None
        page_url = dets[0].page_url
        failed = set((n.detail or {}).get("failed_recipients", {}))
        tried = {a.lower() for a in n.to or []}
    contacts = contact_cache.lookup(ctx.db, ctx.services, page_url, discover_contacts)
    following = next_contact_after_bounce(contacts, failed | tried)
    with ctx.db.session() as s:
        n = s.get(Notice, notice_id)
        if n is None:
            return None
        if following is None:
            n.error = "every known contact bounced: add a recipient by hand"
            return None
        child = Notice(
            case_id=n.case_id,
            site=n.site,
            parent_id=n.id,
            status="draft",
            draft_state="idle",
            kind="initial",
            channel=n.channel,
        )
        s.add(child)
        s.flush()
        for d in dets:
            s.execute(insert(notice_detections).values(notice_id=child.id, detection_id=d.id))
        covered = [d for d in dets if d.status == "active"]
        req = replace(build_request(ctx.settings, s, child, covered, contacts), recipient=following)
        apply(child, compose_notice(req), contacts, [following])
        child.priority = max(d.priority for d in covered)
        child.drafted_at = utcnow()
        child.error = (
            f"the request to {', '.join(sorted(failed))} bounced: this one goes to "
            f"{following.address} ({following.source})"
        )
        record(
            s,
            Event(
                "notice.draft",
                ACTOR,
                "notice",
                child.id,
                {"after_bounce_of": n.id, "to": child.to, "source": following.source},
            ),
        )
        return child.id


class WakeMailbox:
    """The mailbox's cursor goes to the mailbox stage when its next read is due."""

    name: ClassVar[str] = "wake_mailbox"
    lane: ClassVar[str] = "notice"
    successors: ClassVar[tuple[str, ...]] = ("mailbox",)

    def __init__(self, ctx: JobContext) -> None:
        self.ctx = ctx

    @classmethod
    def interval(cls, settings: Settings) -> float:
        return max(settings.scheduler_tick_seconds, min(settings.imap_poll_seconds, 30.0))

    def run(self, now: datetime) -> list[int]:
        label = mailbox_label(self.ctx.settings)
        if label is None:
            return []
        with self.ctx.db.session() as s:
            found = s.execute(select(MailboxCursor.id).where(MailboxCursor.mailbox == label))
            if found.first() is None:
                s.add(MailboxCursor(mailbox=label, next_poll_at=now))
        work = MailboxStage.work
        assert work is not None
        woken = [
            cursor_id
            # a cursor parked as failed (an unexpected error, three times) is tried again too
            for waiting in ("idle", "failed")
            for cursor_id in wake(
                self.ctx.db,
                work,
                waiting,
                MailboxCursor.mailbox == label,
                MailboxCursor.next_poll_at <= now,
                values={"attempts": 0} if waiting == "failed" else None,
            )
        ]
        for cursor_id in woken:
            self.ctx.handoff("mailbox", cursor_id)
        return woken
