"""Evidence captures and their artifacts. The files live in the evidence store; rows hold hashes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from takedown.store.base import Base, WorkItem, utcnow


class Evidence(WorkItem, Base):
    """One capture of a page. States: pending -> capturing -> captured | failed."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    page_url: Mapped[str] = mapped_column(Text)
    captured_at: Mapped[datetime | None] = mapped_column(default=None)
    manifest: Mapped[dict[str, Any]] = mapped_column(default=dict)
    custody_entry: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when the capture was handed to the police: the law then requires it to be kept.
    handed_over_at: Mapped[datetime | None] = mapped_column(default=None)
    handed_over_to: Mapped[str | None] = mapped_column(String(200), default=None)


class Artifact(Base):
    __tablename__ = "artifacts"
    __table_args__ = (UniqueConstraint("evidence_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(20))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(500))
    encrypted: Mapped[bool] = mapped_column(default=False)
