"""What the monitor watches and finds: sources, pages and media."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from takedown.store.base import Base, WorkItem, utcnow

page_media = Table(
    "page_media",
    Base.metadata,
    Column("page_id", Integer, ForeignKey("pages.id", ondelete="CASCADE"), primary_key=True),
    Column("media_id", Integer, ForeignKey("media.id", ondelete="CASCADE"), primary_key=True),
)


class Source(WorkItem, Base):
    """A place to watch. States: idle -> queued -> polling -> idle."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    kind: Mapped[str] = mapped_column(String(20))
    interval_seconds: Mapped[int] = mapped_column()
    render: Mapped[str] = mapped_column(String(10), default="http")
    keywords: Mapped[list[Any]] = mapped_column(default=list)
    language: Mapped[str | None] = mapped_column(String(20), default=None)
    max_depth: Mapped[int] = mapped_column(default=1)
    paused: Mapped[bool] = mapped_column(default=False)
    # The case a source was added for, if any: closing the case pauses it.
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), index=True, default=None
    )
    deleted: Mapped[bool] = mapped_column(default=False)
    poll_state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_polled_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(String(2000), default=None)
    # When the polls began to fail (None while they succeed): alerts after an hour.
    failing_since: Mapped[datetime | None] = mapped_column(default=None)
    next_poll_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    polls: Mapped[int] = mapped_column(default=0)
    # Per-source overrides: proxy, user_agent, locale, rate, steps, logged_out (migration 0014).
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Login or gate steps: polled in the browser lane, which can run them.
    gated: Mapped[bool] = mapped_column(default=False)
    # Vault-sealed JSON (base64): credentials the steps fill in, and the session's cookies.
    secrets_sealed: Mapped[str | None] = mapped_column(Text, default=None)
    cookies_sealed: Mapped[str | None] = mapped_column(Text, default=None)


class Page(Base):
    """A fetched URL. `content_sha256` tells whether it changed since the last visit."""

    __tablename__ = "pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    url_hash: Mapped[str] = mapped_column(String(64), unique=True)
    url: Mapped[str] = mapped_column(Text)
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("sources.id", ondelete="SET NULL"), index=True, default=None
    )
    final_url: Mapped[str | None] = mapped_column(Text, default=None)
    site: Mapped[str] = mapped_column(String(255), index=True, default="")
    title: Mapped[str | None] = mapped_column(Text, default=None)
    language: Mapped[str | None] = mapped_column(String(20), default=None)
    excerpt: Mapped[str | None] = mapped_column(Text, default=None)
    content_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    keyword_hits: Mapped[list[Any]] = mapped_column(default=list)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_fetched_at: Mapped[datetime | None] = mapped_column(default=None)
    published_at: Mapped[datetime | None] = mapped_column(default=None)


class Media(WorkItem, Base):
    """A file linked from a page. States: new -> fetching -> done | failed."""

    __tablename__ = "media"

    id: Mapped[int] = mapped_column(primary_key=True)
    url_hash: Mapped[str] = mapped_column(String(64), unique=True)
    url: Mapped[str] = mapped_column(Text)
    page_id: Mapped[int | None] = mapped_column(
        ForeignKey("pages.id", ondelete="SET NULL"), index=True, default=None
    )
    kind: Mapped[str] = mapped_column(String(10), default="image")
    sha256: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
    md5: Mapped[str | None] = mapped_column(String(32), default=None)
    media_type: Mapped[str | None] = mapped_column(String(100), default=None)
    size: Mapped[int | None] = mapped_column(default=None)
    hashes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    triage: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # OCR (migration 0014): None not yet, queued, done, failed or skipped; the text read.
    ocr_state: Mapped[str | None] = mapped_column(String(10), default=None, index=True)
    ocr_text: Mapped[str | None] = mapped_column(Text, default=None)
    priority: Mapped[float] = mapped_column(default=0.0)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
