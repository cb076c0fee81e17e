"""Cases: a victim's reference set and keywords, under a label (never her name)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, status
from pydantic import Field, field_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from takedown.accounts.roles import Principal
from takedown.review.cases import add_case, change_case
from takedown.store.tables import Case, Reference
from takedown.web.api.common import Out, Strict, get_or_404
from takedown.web.deps import db_session, officer, viewer

router = APIRouter(prefix="/cases", tags=["cases"])


def _keywords(value: list[str]) -> list[str]:
    cleaned = [k.strip() for k in value if k.strip()]
    if any(len(k) > 200 for k in cleaned):
        raise ValueError("a keyword may have at most 200 characters")
    return list(dict.fromkeys(cleaned))


class CaseIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    keywords: list[str] = Field(default_factory=list, max_length=500)
    notes: str | None = Field(default=None, max_length=10_000)

    _kw = field_validator("keywords")(_keywords)


class CasePatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    keywords: list[str] | None = Field(default=None, max_length=500)
    notes: str | None = Field(default=None, max_length=10_000)

    @field_validator("keywords")
    @classmethod
    def _kw(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _keywords(value)


class CaseOut(Out):
    id: int
    name: str
    keywords: list[str]
    notes: str | None
    created_at: datetime
    reference_count: int = 0


def _out(session: Session, case: Case) -> CaseOut:
    count = session.execute(
        select(func.count()).select_from(Reference).where(Reference.case_id == case.id)
    ).scalar_one()
    return CaseOut.model_validate(case).model_copy(update={"reference_count": count})


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CaseOut)
def create_case(
    body: CaseIn, s: Session = Depends(db_session), who: Principal = Depends(officer)
) -> CaseOut:
    case = add_case(s, body.name, body.keywords, body.notes, who.actor)
    return _out(s, case)


@router.get("", response_model=list[CaseOut])
def list_cases(s: Session = Depends(db_session), _: Principal = Depends(viewer)) -> list[CaseOut]:
    return [_out(s, c) for c in s.execute(select(Case).order_by(Case.id)).scalars()]


@router.get("/{case_id}", response_model=CaseOut)
def get_case(
    case_id: int, s: Session = Depends(db_session), _: Principal = Depends(viewer)
) -> CaseOut:
    return _out(s, get_or_404(s, Case, case_id, "case"))


@router.patch("/{case_id}", response_model=CaseOut)
def update_case(
    case_id: int,
    body: CasePatch,
    s: Session = Depends(db_session),
    who: Principal = Depends(officer),
) -> CaseOut:
    case = get_or_404(s, Case, case_id, "case")
    change_case(s, case, body.model_dump(exclude_unset=True, exclude_none=True), who.actor)
    return _out(s, case)
