"""Shared pieces of the API modules: the strict base model and lookups that 404."""

from __future__ import annotations

from typing import TypeVar

from fastapi import HTTPException, status
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from takedown.store.base import Base

T = TypeVar("T", bound=Base)


class Strict(BaseModel):
    """Request bodies: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def get_or_404(session: Session, model: type[T], item_id: int, what: str) -> T:
    row = session.get(model, item_id)
    if row is None or getattr(row, "deleted", False):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"{what} {item_id} not found")
    return row
