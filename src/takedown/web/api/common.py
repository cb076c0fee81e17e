"""Shared pieces of the API modules: the strict base model and lookups that 404."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import HTTPException, status
from pydantic import BaseModel, ConfigDict, model_validator
from sqlalchemy.orm import Session

from takedown.store.base import Base

T = TypeVar("T", bound=Base)


class Strict(BaseModel):
    """Request bodies: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        # NUL ends strings in C and PostgreSQL refuses it in text: never a legitimate input.
        if _has_nul(data):
            raise ValueError("text may not contain NUL (\\x00) characters")
        return data


def _has_nul(value: Any, depth: int = 0) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if depth > 20:
        return False
    if isinstance(value, dict):
        return any(_has_nul(k, depth + 1) or _has_nul(v, depth + 1) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v, depth + 1) for v in value)
    return False


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def get_or_404(session: Session, model: type[T], item_id: int, what: str) -> T:
    row = session.get(model, item_id)
    if row is None or getattr(row, "deleted", False):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"{what} {item_id} not found")
    return row
