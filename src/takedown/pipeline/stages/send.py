"""Send stage: hand an approved notice to the mail server, once; retry with backoff while it is down.

The Message-ID is fixed at approval, so a retry after a crash between the server's "250 OK" and
our commit carries the same Message-ID and the recipient can tell it is one message.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from takedown.audit import Event, record
from takedown.notices.compose import DraftNotice
from takedown.notices.send import SendError, SmtpConfig, build_message, new_message_id, send_message
from takedown.notices.states import transition
from takedown.pipeline.stage import Stage, wake
from takedown.store.base import utcnow
from takedown.store.tables import Notice

if TYPE_CHECKING:
    from takedown.pipeline.runtime import Runtime

log = logging.getLogger(__name__)
ACTOR = "system:sender"
RETRY_BASE = 30.0
RETRY_MAX = 3600.0
MAX_TRIES = 50


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


def run(rt: Runtime, notice_id: int) -> None:
    settings = rt.settings
    with rt.db.session() as s:
        n = s.get(Notice, notice_id)
        if n is None or n.status not in ("approved", "failed"):
            return
        if not settings.smtp_url or not settings.smtp_from:
            n.status, n.state = "failed", "blocked"
            n.error = "sending is disabled: set TAKEDOWN_SMTP_URL and TAKEDOWN_SMTP_FROM"
            return
        parent_mid = None
        if n.parent_id is not None:
            parent = s.get(Notice, n.parent_id)
            parent_mid = parent.message_id if parent else None
        if n.status == "failed":
            n.status = transition(n.status, "approved").value  # a retry is approved again
        prepare(n, settings.smtp_from)
        message = build_message(
            draft_of(n, parent_mid), sender=settings.smtp_from, to=n.to, message_id=n.message_id
        )
        attempt = n.attempts
    config = SmtpConfig.from_url(settings.smtp_url, settings.smtp_from)
    try:
        result = asyncio.run(send_message(config, message))
    except SendError as exc:
        _failed(rt, notice_id, exc, attempt)
        return
    with rt.db.session() as s:
        n = s.get(Notice, notice_id)
        if n is None:
            return
        n.status = transition(n.status, "sent").value
        n.sent_at = utcnow()
        n.state, n.error, n.next_attempt_at = "done", None, None
        n.state_changed_at = utcnow()
        record(
            s,
            Event(
                "notice.sent",
                ACTOR,
                "notice",
                n.id,
                {
                    "message_id": result.message_id,
                    "to": list(result.accepted),
                    "refused": list(result.refused),
                    "attempt": attempt,
                },
            ),
        )


def _failed(rt: Runtime, notice_id: int, exc: SendError, attempt: int) -> None:
    with rt.db.session() as s:
        n = s.get(Notice, notice_id)
        if n is None:
            return
        if n.status == "approved":
            n.status = transition(n.status, "failed").value
        n.error = str(exc)[:2000]
        n.state_changed_at = utcnow()
        if exc.temporary and attempt < MAX_TRIES:
            n.state = "retry"
            n.next_attempt_at = utcnow() + retry_delay(attempt, rt.settings.send_retry_seconds)
        else:
            n.state = "blocked"
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


def wake_retries(rt: Runtime) -> list[int]:
    """Scheduler job: notices whose retry time has come go back to the send queue."""
    return wake(rt, rt.stages["send"], "retry", Notice.next_attempt_at <= utcnow())


def stage() -> Stage:
    return Stage(
        name="send",
        model=Notice,
        ready="queued",
        working="sending",
        run=run,
        max_attempts=MAX_TRIES,
        failed="blocked",
    )
