"""Cases and their reference media (hashes only, never the bytes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from takedown.store.base import Base, utcnow


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    keywords: Mapped[list[Any]] = mapped_column(default=list)
    # Keyword variants the officer pruned (migration 0014): neither matched nor searched for.
    pruned_variants: Mapped[list[Any]] = mapped_column(default=list)
    notes: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Lifecycle: open -> monitoring -> closed; a closed case is neither polled nor matched.
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)
    officer: Mapped[str | None] = mapped_column(String(100), default=None, index=True)
    # What the victim is told to quote when she calls: never her name, never the notice text.
    victim_reference: Mapped[str | None] = mapped_column(String(40), default=None, unique=True)
    # What the victim agreed to: {"monitoring": bool, "requests": bool, "police": bool, "at": iso}
    consent: Mapped[dict[str, Any]] = mapped_column(default=dict)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    erased_at: Mapped[datetime | None] = mapped_column(default=None)
    references: Mapped[list[Reference]] = relationship(back_populates="case", lazy="raise")


class Reference(Base):
    """One original of a case, as hashes. `hashes` is takedown.matching's ReferenceHashes.to_dict()."""

    __tablename__ = "references"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # image | video | hashes
    origin: Mapped[str] = mapped_column(String(20))  # upload | hash-intake
    sha256: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
    hashes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    case: Mapped[Case] = relationship(back_populates="references", lazy="raise")


class CaseFace(Base):
    """A reference face of a case: an embedding (encrypted at rest), never the photo."""

    __tablename__ = "case_faces"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    model_name: Mapped[str] = mapped_column(String(60))
    model_version: Mapped[str] = mapped_column(String(60))
    embedding: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
