"""Send stage: hand an approved notice to the mail server, once; retry with backoff while it is down.

The Message-ID is fixed at approval, so a retry after a crash between the server's "250 OK" and
our commit carries the same Message-ID and the recipient can tell it is one message.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import ClassVar

from takedown.audit import Event, record
from takedown.config import Settings
from takedown.notices.channels import ChannelUnavailable, NoticeChannel
from takedown.notices.compose import DraftNotice
from takedown.notices.send import SendError, new_message_id
from takedown.notices.states import transition
from takedown.pipeline.context import StageContext
from takedown.pipeline.graph import Work
from takedown.plugins import CHANNELS, UnknownPlugin
from takedown.store.base import utcnow
from takedown.store.tables import Notice

log = logging.getLogger(__name__)
ACTOR = "system:sender"
RETRY_BASE = 30.0
RETRY_MAX = 3600.0
MAX_TRIES = 50
SEND_TIMEOUT = 300.0


def retry_delay(attempt: int, base: float = RETRY_BASE) -> timedelta:
    return timedelta(seconds=min(RETRY_MAX, base * 2 ** max(0, attempt - 1)))


def draft_of(n: Notice, parent_message_id: str | None) -> DraftNotice:
    refs = (parent_message_id,) if parent_message_id else ()
    return DraftNotice(
        subject=n.subject,
        body=n.body,
        language=n.language,
        legal_basis=n.legal_basis,
        jurisdiction=n.jurisdiction,
        deadline=None,
        kind=n.kind,  # type: ignore[arg-type]
        in_reply_to=parent_message_id,
        references=refs,
    )


def prepare(n: Notice, sender: str) -> None:
    """Fix the Message-ID before the first try."""
    if not n.message_id:
        n.message_id = new_message_id(sender)


class SendStage:
    """Deliver an approved request through its channel (``Notice.channel``), exactly once."""

    name: ClassVar[str] = "send"
    lane: ClassVar[str] = "notice"
    successors: ClassVar[tuple[str, ...]] = ()
    work: ClassVar[Work | None] = Work(
        Notice,
        ready="queued",
        working="sending",
        done="done",
        failed="blocked",
        state="send_state",
        changed="send_changed_at",
        attempts="send_attempts",
        error="send_error",
        max_attempts=MAX_TRIES,
    )

    def __init__(self, ctx: StageContext) -> None:
        self.ctx = ctx
        self._channels: dict[str, NoticeChannel] = {}

    @classmethod
    def concurrency(cls, settings: Settings) -> int:
        return 1

    def channel(self, name: str) -> NoticeChannel:
        if name not in self._channels:
            factory = CHANNELS.get(name)
            self._channels[name] = factory(self.ctx.settings)
        return self._channels[name]

    def run(self, notice_id: int) -> None:
        ctx = self.ctx
        with ctx.db.session() as s:
            n = s.get(Notice, notice_id)
            if n is None or n.status not in ("approved", "failed"):
                return
            try:
                channel = self.channel(n.channel)
            except (ChannelUnavailable, UnknownPlugin) as exc:
                n.status, n.send_state = "failed", "blocked"
                n.error = n.send_error = str(exc)
                return
            parent_mid = None
            if n.parent_id is not None:
                parent = s.get(Notice, n.parent_id)
                parent_mid = parent.message_id if parent else None
            if n.status == "failed":
                n.status = transition(n.status, "approved").value  # a retry is approved again
            if not n.message_id:  # fixed before the first try, reused by every retry
                n.message_id = channel.new_id()
            draft, to, message_id = draft_of(n, parent_mid), list(n.to), n.message_id
            attempt = n.send_attempts
        try:
            result = ctx.services.run(
                channel.deliver(draft, to=to, message_id=message_id), timeout=SEND_TIMEOUT
            )
        except SendError as exc:
            _failed(ctx, notice_id, exc, attempt)
            return
        with ctx.db.session() as s:
            n = s.get(Notice, notice_id)
            if n is None:
                return
            n.status = transition(n.status, "sent").value
            n.sent_at = utcnow()
            n.send_state, n.send_error, n.error, n.next_attempt_at = "done", None, None, None
            n.send_changed_at = utcnow()
            record(
                s,
                Event(
                    "notice.sent",
                    ACTOR,
                    "notice",
                    n.id,
                    {
                        "message_id": result.message_id,
                        "channel": n.channel,
                        "to": list(result.accepted),
                        "refused": list(result.refused),
                        "attempt": attempt,
                    },
                ),
            )


def _failed(ctx: StageContext, notice_id: int, exc: SendError, attempt: int) -> None:
    with ctx.db.session() as s:
        n = s.get(Notice, notice_id)
        if n is None:
            return
        if n.status == "approved":
            n.status = transition(n.status, "failed").value
        n.error = n.send_error = str(exc)[:2000]
        n.send_changed_at = utcnow()
        if exc.temporary and attempt < MAX_TRIES:
            n.send_state = "retry"
            n.next_attempt_at = utcnow() + retry_delay(attempt, ctx.settings.send_retry_seconds)
        else:
            n.send_state = "blocked"
        record(
            s,
            Event(
                "notice.send_failed",
                ACTOR,
                "notice",
                n.id,
                {
                    "error": n.error,
                    "temporary": exc.temporary,
                    "attempt": attempt,
                    "retry_at": n.next_attempt_at.isoformat() if n.next_attempt_at else None,
                },
            ),
        )
