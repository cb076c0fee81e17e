"""Detections: a media item or a page's text found to match a case."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from takedown.store.base import Base, utcnow


class Detection(Base):
    __tablename__ = "detections"
    __table_args__ = (
        Index("ix_detections_case_seen", "case_id", "first_seen_at", "id"),
        # The lists' keyset orders (migration 0017).
        Index("ix_detections_review_priority_id", "review", text("priority DESC"), "id"),
        Index("ix_detections_site_id", "site", "id"),
        Index("ix_detections_case_id_id", "case_id", "id"),
    )
    # No unique key: a re-upload after removal is a new detection linked to the old (previous_id).

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True, default=None
    )
    reference_id: Mapped[int | None] = mapped_column(
        ForeignKey("references.id", ondelete="SET NULL"), default=None
    )
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    media_id: Mapped[int | None] = mapped_column(
        ForeignKey("media.id", ondelete="CASCADE"), index=True, default=None
    )
    page_url: Mapped[str] = mapped_column(Text)
    media_url: Mapped[str | None] = mapped_column(Text, default=None)
    site: Mapped[str] = mapped_column(String(255), index=True, default="")
    kind: Mapped[str] = mapped_column(String(10))  # image | video | text
    algorithm: Mapped[str] = mapped_column(String(30))
    distance: Mapped[float] = mapped_column(default=0.0)
    confidence: Mapped[float | None] = mapped_column(default=None)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    proactive: Mapped[bool] = mapped_column(default=False)
    # none: a hash or keyword match, drafted as usual. candidate: a proactive finding or a
    # same-person candidate, which an officer must confirm before any request includes it.
    review: Mapped[str] = mapped_column(String(12), default="none", index=True)
    priority: Mapped[float] = mapped_column(default=0.0)
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    status: Mapped[str] = mapped_column(String(10), default="active", index=True)
    removed_at: Mapped[datetime | None] = mapped_column(default=None)
    evidence_id: Mapped[int | None] = mapped_column(
        ForeignKey("evidence.id", ondelete="SET NULL"), default=None
    )
    previous_id: Mapped[int | None] = mapped_column(
        ForeignKey("detections.id", ondelete="SET NULL"), default=None
    )
