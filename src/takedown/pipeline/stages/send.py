"""Send stage: deliver an approved notice through its channel, once; retry while it is down.

The Message-ID is fixed at approval, so a retry after a crash between the server's "250 OK" and
our commit carries the same Message-ID and the recipient can tell it is one message. A web-form
submission's screenshots are kept as evidence and its confirmation on the request; a form the
machine cannot submit (CAPTCHA, login) goes back to the officer with the values to copy.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from sqlalchemy import select

from takedown.audit import Event, record
from takedown.config import Settings
from takedown.evidence.manifest import Manifest
from takedown.evidence.record import EvidenceRecord
from takedown.notices.channels import ChannelUnavailable, NoticeChannel, Outgoing
from takedown.notices.compose import DraftNotice
from takedown.notices.send import Attachment, SendError, new_message_id
from takedown.notices.states import transition
from takedown.pipeline.context import StageContext
from takedown.pipeline.graph import Work
from takedown.plugins import CHANNELS, UnknownPlugin
from takedown.store.base import utcnow
from takedown.store.tables import Detection, Notice, notice_detections

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
            outgoing = outgoing_of(s, n, ctx.settings)
        try:
            result = ctx.services.run(
                channel.deliver(draft, to=to, message_id=message_id, outgoing=outgoing),
                timeout=SEND_TIMEOUT,
            )
        except SendError as exc:
            kept = keep_artifacts(ctx, notice_id, getattr(exc, "artifacts", ()), "failed")
            _failed(ctx, notice_id, exc, attempt, kept)
            return
        kept = keep_artifacts(ctx, notice_id, result.artifacts, "sent")
        with ctx.db.session() as s:
            n = s.get(Notice, notice_id)
            if n is None:
                return
            n.status = transition(n.status, "sent").value
            n.sent_at = utcnow()
            n.send_state, n.send_error, n.error, n.next_attempt_at = "done", None, None, None
            n.send_changed_at = utcnow()
            if result.receipt or kept:
                n.detail = {
                    **(n.detail or {}),
                    n.channel: {**dict(result.receipt), "evidence_key": kept},
                }
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
                        "receipt": dict(result.receipt),
                        "evidence_key": kept,
                    },
                ),
            )


def outgoing_of(s: Any, n: Notice, settings: Settings) -> Outgoing:
    rows = s.execute(
        select(Detection.page_url, Detection.media_url)
        .join(notice_detections, notice_detections.c.detection_id == Detection.id)
        .where(notice_detections.c.notice_id == n.id)
        .order_by(Detection.id)
    ).all()
    return Outgoing(
        site=n.site,
        page_urls=tuple(dict.fromkeys(p for p, _ in rows if p)),
        media_urls=tuple(dict.fromkeys(m for _, m in rows if m)),
        center_name=settings.center_name,
        center_email=settings.center_email,
        center_phone=settings.center_phone,
        center_address=settings.center_address,
    )


def keep_artifacts(
    ctx: StageContext, notice_id: int, artifacts: Sequence[Attachment], outcome: str
) -> str | None:
    """A channel's files (a form's screenshots) as one evidence item; returns its key."""
    if not artifacts:
        return None
    ev = ctx.services.evidence
    key = f"notice-{notice_id}-{secrets.token_hex(4)}"
    manifest = Manifest(
        evidence_key=key,
        page_url=f"notice:{notice_id}",
        final_url=f"notice:{notice_id}",
        captured_at=datetime.now(UTC),
        timezone=ev.timezone,
        capture={"kind": "notice-delivery", "outcome": outcome},
    )
    rec = EvidenceRecord(ev.store, manifest, vault=ev.vault, signer=ev.signer)
    for item in artifacts:
        rec.add(item.filename, "screenshot", item.media_type, item.content)
    rec.commit(action=f"notice.delivery.{outcome}", actor=ACTOR, tsa=ev.tsa)
    return key


def _failed(
    ctx: StageContext, notice_id: int, exc: SendError, attempt: int, kept: str | None = None
) -> None:
    with ctx.db.session() as s:
        n = s.get(Notice, notice_id)
        if n is None:
            return
        handed = getattr(exc, "values", None)
        if handed is not None or kept:
            n.detail = {
                **(n.detail or {}),
                n.channel: {
                    "state": "needs_officer" if handed is not None else "failed",
                    "reason": getattr(exc, "reason", str(exc))[:500],
                    "url": getattr(exc, "url", None),
                    "values": handed or [],
                    "evidence_key": kept,
                },
            }
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
