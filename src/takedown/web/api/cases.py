"""Cases: a victim's reference set and keywords, under a label (never her name)."""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException, Request, Response, status
from fastapi.responses import FileResponse
from pydantic import Field, field_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from takedown.accounts.roles import Principal
from takedown.evidence.bundle import BundleError
from takedown.pipeline.evidence import store as evidence_store
from takedown.pipeline.runtime import Runtime
from takedown.pipeline.services import matcher
from takedown.review import erasure, handover, lifecycle
from takedown.review.cases import add_case, change_case
from takedown.store.tables import Case, Reference
from takedown.web.api.common import Out, Strict, get_or_404
from takedown.web.api.paging import Order, PageParams, link_next, page_params, paginate
from takedown.web.api.queries import cases_query
from takedown.web.deps import admin, db_session, officer, runtime, viewer

router = APIRouter(prefix="/cases", tags=["cases"])


def _keywords(value: list[str]) -> list[str]:
    cleaned = [k.strip() for k in value if k.strip()]
    if any(len(k) > 200 for k in cleaned):
        raise ValueError("a keyword may have at most 200 characters")
    return list(dict.fromkeys(cleaned))


CaseStatus = Literal["open", "monitoring", "closed"]


class Consent(Strict):
    """What the victim agreed to, and when."""

    monitoring: bool = False
    requests: bool = False
    police: bool = False
    at: datetime | None = None


class CaseIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    keywords: list[str] = Field(default_factory=list, max_length=500)
    notes: str | None = Field(default=None, max_length=10_000)
    officer: str | None = Field(default=None, max_length=100)
    victim_reference: str | None = Field(default=None, min_length=1, max_length=40)
    consent: Consent | None = None

    _kw = field_validator("keywords")(_keywords)


class CasePatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    keywords: list[str] | None = Field(default=None, max_length=500)
    notes: str | None = Field(default=None, max_length=10_000)
    officer: str | None = Field(default=None, max_length=100)
    victim_reference: str | None = Field(default=None, min_length=1, max_length=40)
    consent: Consent | None = None

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
    status: str
    officer: str | None
    victim_reference: str | None
    consent: dict[str, Any]
    closed_at: datetime | None
    erased_at: datetime | None
    reference_count: int = 0


class StatusIn(Strict):
    status: CaseStatus


class KeptOut(Out):
    evidence_id: int
    detection_ids: list[int]
    reason: str


class ErasureOut(Out):
    case_id: int
    references: int
    faces: int
    detections: int
    notices: int
    evidence: int
    artifacts: int
    pages_scrubbed: int
    kept: list[KeptOut]


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
    extra = body.model_dump(include={"officer", "victim_reference", "consent"}, exclude_none=True)
    if extra:
        _check_reference(s, body.victim_reference, None)
        change_case(s, case, _json_consent(extra), who.actor)
    return _out(s, case)


def _json_consent(changes: dict[str, Any]) -> dict[str, Any]:
    if isinstance(changes.get("consent"), dict) and changes["consent"].get("at") is not None:
        changes["consent"]["at"] = changes["consent"]["at"].isoformat()
    return changes


def _check_reference(s: Session, reference: str | None, case_id: int | None) -> None:
    if reference is None:
        return
    other = s.execute(select(Case.id).where(Case.victim_reference == reference)).scalar()
    if other is not None and other != case_id:
        raise HTTPException(status.HTTP_409_CONFLICT, "this victim reference is already in use")


@router.get("", response_model=list[CaseOut])
def list_cases(
    request: Request,
    response: Response,
    status: CaseStatus | None = None,
    officer: str | None = None,
    q: str | None = None,
    page: PageParams = Depends(page_params),
    s: Session = Depends(db_session),
    _: Principal = Depends(viewer),
) -> list[CaseOut]:
    """Cases by id; `q` searches the label and the victim-facing reference."""
    query = cases_query(status=status, officer=officer, q=q)
    rows, cursor = paginate(s, query, [Order(Case.id)], page)
    link_next(request, response, cursor)
    counts = dict(
        s.execute(
            select(Reference.case_id, func.count())
            .where(Reference.case_id.in_([c.id for c in rows]))
            .group_by(Reference.case_id)
        ).all()
    )
    return [
        CaseOut.model_validate(c).model_copy(update={"reference_count": counts.get(c.id, 0)})
        for c in rows
    ]


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
    _check_reference(s, body.victim_reference, case.id)
    changes = _json_consent(body.model_dump(exclude_unset=True, exclude_none=True))
    change_case(s, case, changes, who.actor)
    return _out(s, case)


@router.post("/{case_id}/status", response_model=CaseOut)
def change_status(
    case_id: int,
    body: StatusIn,
    rt: Runtime = Depends(runtime),
    who: Principal = Depends(officer),
) -> CaseOut:
    """Open, monitoring or closed; closing pauses the case's sources and stops its matching."""
    with rt.db.session() as s:
        case = get_or_404(s, Case, case_id, "case")
        try:
            closed = lifecycle.set_status(s, case, body.status, who.actor)
        except lifecycle.LifecycleError as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
        out = _out(s, case)
    if closed is not None:
        lifecycle.release_references(matcher(rt), closed.reference_ids)
    return out


@router.post("/{case_id}/erase", response_model=ErasureOut)
def erase_case(
    case_id: int, rt: Runtime = Depends(runtime), who: Principal = Depends(admin)
) -> ErasureOut:
    """The victim withdrew: her hashes, faces and case text are erased; what the law requires
    of evidence already handed to the police is kept and listed with the reason."""
    with rt.db.session() as s:
        case = get_or_404(s, Case, case_id, "case")
        if case.erased_at is not None:
            raise HTTPException(status.HTTP_409_CONFLICT, f"case {case_id} is already erased")
        done = erasure.erase_case(s, case, evidence_store(rt), who.actor)
    erasure.vacuum(rt.db.engine)
    lifecycle.release_references(matcher(rt), done.reference_ids)
    return ErasureOut.model_validate(done)


class BundleIn(Strict):
    evidence_ids: list[int] = Field(default_factory=list, max_length=10_000)
    handed_to: str | None = Field(None, max_length=200)


@router.post("/{case_id}/bundle", response_class=FileResponse)
def post_bundle(
    case_id: int,
    body: BundleIn,
    background: BackgroundTasks,
    rt: Runtime = Depends(runtime),
    who: Principal = Depends(officer),
) -> FileResponse:
    """The case's signed evidence bundle for the police (zip); audited."""
    folder = Path(tempfile.mkdtemp(prefix="bundle-"))
    dest = folder / f"takedown-case-{case_id}-bundle.zip"
    try:
        handover.bundle_case(
            rt, case_id, dest, who, evidence_ids=body.evidence_ids, handed_to=body.handed_to
        )
    except LookupError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except BundleError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    background.add_task(shutil.rmtree, folder, True)
    return FileResponse(
        dest,
        media_type="application/zip",
        filename=dest.name,
        headers={"Cache-Control": "no-store"},
    )
