"""The center's mailbox: each incoming message (threaded to its request) and the read cursor."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from takedown.store.base import Base, utcnow


class MailMessage(Base):
    """One message read from the mailbox. The raw bytes are evidence (encrypted in the store
    under ``evidence_key``); the row keeps the headers, the SHA-256 and a bounded excerpt of the
    sender's own words for the timeline. ``notice_id`` is None while it is unthreaded."""

    __tablename__ = "mail_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int | None] = mapped_column(
        ForeignKey("notices.id", ondelete="SET NULL"), index=True, default=None
    )
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(default=0)
    evidence_key: Mapped[str] = mapped_column(String(80))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_date: Mapped[datetime | None] = mapped_column(default=None)
    sender: Mapped[str] = mapped_column(String(320), default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    message_id: Mapped[str | None] = mapped_column(String(255), default=None, index=True)
    headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    excerpt: Mapped[str] = mapped_column(Text, default="")
    # reply | bounce | auto_reply; how it was threaded; whether the sender is the recipient's.
    kind: Mapped[str] = mapped_column(String(20), default="reply")
    via: Mapped[str | None] = mapped_column(String(20), default=None)
    verified: Mapped[bool] = mapped_column(default=False)
    # The rules' class, and the officer's one-click confirmation (or correction) of it.
    suggested: Mapped[str] = mapped_column(String(20), default="unknown")
    confirmed: Mapped[str | None] = mapped_column(String(20), default=None)
    confirmed_by: Mapped[str | None] = mapped_column(String(100), default=None)
    confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
    ticket: Mapped[str | None] = mapped_column(String(64), default=None)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    failed_recipients: Mapped[list[Any]] = mapped_column(default=list)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class MailboxCursor(Base):
    """Where reading of one mailbox stands (IMAP UIDVALIDITY and the last UID read), and its
    work item: idle -> queued -> reading -> idle."""

    __tablename__ = "mailbox_cursors"

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(500), unique=True)  # user@host/folder, no secret
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger, default=None)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    state: Mapped[str] = mapped_column(String(20), index=True, default="idle")
    state_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(String(2000), default=None)
    next_poll_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_read_at: Mapped[datetime | None] = mapped_column(default=None)
