"""Hash banks shared with partner platforms, their change log, and one-time victim intake links."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from takedown.store.base import Base, utcnow


class Bank(Base):
    """A named set of hashes: ``publish`` banks are served to partners, ``watch`` banks are
    hash lists imported from an exchange and matched here only."""

    __tablename__ = "banks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(10), default="publish")  # publish | watch
    created_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BankEntry(Base):
    """One hash in a bank. ``case_id`` and ``reference_id`` stay inside: a partner never sees them."""

    __tablename__ = "bank_entries"
    __table_args__ = (Index("ix_bank_entries_lookup", "signal_type", "withdrawn"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id", ondelete="CASCADE"), index=True)
    signal_type: Mapped[str] = mapped_column(String(20))  # pdq | vpdq | md5 | video_md5 | ...
    signal: Mapped[str] = mapped_column(Text)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), index=True, default=None
    )
    reference_id: Mapped[int | None] = mapped_column(
        ForeignKey("references.id", ondelete="SET NULL"), index=True, default=None
    )
    detection_id: Mapped[int | None] = mapped_column(
        ForeignKey("detections.id", ondelete="SET NULL"), default=None
    )
    # reference | detection | import: what the hash came from (import: an exchange's hash list).
    origin: Mapped[str] = mapped_column(String(12))
    provenance: Mapped[dict[str, Any]] = mapped_column(default=dict)
    withdrawn: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(default=None)


class BankChange(Base):
    """The append-only change log a partner pages through: its id is the fetch position."""

    __tablename__ = "bank_changes"
    __table_args__ = (Index("ix_bank_changes_bank_id_id", "bank_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id", ondelete="CASCADE"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("bank_entries.id", ondelete="CASCADE"))
    op: Mapped[str] = mapped_column(String(8))  # add | withdraw
    at: Mapped[datetime] = mapped_column(default=utcnow)


class IntakeLink(Base):
    """A one-time link an officer gives a victim: it takes hashes once, before it expires."""

    __tablename__ = "intake_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)
