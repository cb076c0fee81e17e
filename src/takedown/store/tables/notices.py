"""Abuse contacts, deletion requests (notices) and their follow-up checks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from takedown.notices.reference import new_reference
from takedown.store.base import Base, utcnow

notice_detections = Table(
    "notice_detections",
    Base.metadata,
    Column("notice_id", Integer, ForeignKey("notices.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "detection_id", Integer, ForeignKey("detections.id", ondelete="CASCADE"), primary_key=True
    ),
)


class Contact(Base):
    """An abuse address for a site, with where it came from, cached until `expires_at`."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    domain: Mapped[str] = mapped_column(String(255), index=True)
    address: Mapped[str] = mapped_column(String(320))
    source: Mapped[str] = mapped_column(String(40))
    source_url: Mapped[str | None] = mapped_column(Text, default=None)
    rank: Mapped[int] = mapped_column(default=0)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notice(Base):
    """A deletion request. `status` is what officers see; two work items ride on the row, each
    with its own typed columns: drafting (``draft_*``) and sending (``send_*``)."""

    __tablename__ = "notices"
    __table_args__ = (
        Index("ix_notices_status_created", "status", "created_at", "id"),
        # The lists' keyset order, most urgent first (migration 0017).
        Index("ix_notices_priority_id", text("priority DESC"), "id"),
        Index("ix_notices_status_priority_id", "status", text("priority DESC"), "id"),
        Index("ix_notices_case_priority_id", "case_id", text("priority DESC"), "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True, default=None
    )
    site: Mapped[str] = mapped_column(String(255), index=True)
    # This request's own random reference, printed instead of any case number (migration 0012).
    reference: Mapped[str | None] = mapped_column(
        String(32), unique=True, index=True, default=new_reference
    )
    kind: Mapped[str] = mapped_column(String(20), default="initial")  # initial|reminder|escalation
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("notices.id", ondelete="SET NULL"), default=None
    )
    channel: Mapped[str] = mapped_column(String(20), default="email")
    to: Mapped[list[Any]] = mapped_column(default=list)
    recipients: Mapped[list[Any]] = mapped_column(default=list)  # [{address, source, source_url}]
    language: Mapped[str] = mapped_column(String(10), default="en")
    jurisdiction: Mapped[str] = mapped_column(String(20), default="international")
    subject: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    message_id: Mapped[str | None] = mapped_column(String(255), default=None)
    priority: Mapped[float] = mapped_column(default=0.0)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    drafted_at: Mapped[datetime | None] = mapped_column(default=None)
    approved_at: Mapped[datetime | None] = mapped_column(default=None)
    approved_by: Mapped[str | None] = mapped_column(String(100), default=None)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    next_check_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    # The officer-facing note on the draft (no contact found, new detections after an edit, ...).
    error: Mapped[str | None] = mapped_column(String(2000), default=None)
    # Drafting: pending -> drafting -> idle (failed after too many attempts).
    draft_state: Mapped[str] = mapped_column(String(20), index=True, default="pending")
    draft_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    draft_attempts: Mapped[int] = mapped_column(default=0)
    # Set when a detection's evidence arrives while the draft is being composed: the draft then
    # goes again, so the detection is never left out (migration 0018).
    draft_again: Mapped[bool] = mapped_column(default=False)
    # Sending: none -> queued -> sending -> done | retry | blocked.
    send_state: Mapped[str] = mapped_column(String(20), index=True, default="none")
    send_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    send_attempts: Mapped[int] = mapped_column(default=0)
    send_error: Mapped[str | None] = mapped_column(String(2000), default=None)
    # Control flags, typed: an officer's edit stands; which follow-up step was taken; whom an
    # escalation addresses.
    edited_by_officer: Mapped[bool] = mapped_column(default=False)
    renotice_step: Mapped[str | None] = mapped_column(String(20), default=None)
    escalation_role: Mapped[str | None] = mapped_column(String(20), default=None)


class Followup(Base):
    """One re-check of a reported URL."""

    __tablename__ = "followups"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int | None] = mapped_column(
        ForeignKey("notices.id", ondelete="CASCADE"), index=True, default=None
    )
    detection_id: Mapped[int] = mapped_column(
        ForeignKey("detections.id", ondelete="CASCADE"), index=True
    )
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)
    http_status: Mapped[int | None] = mapped_column(default=None)
    removed: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
