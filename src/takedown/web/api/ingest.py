"""Importing exchange hash lists (StopNCII, NCMEC, ThreatExchange) into a case or a watch list."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import Field
from sqlalchemy.orm import Session

from takedown.accounts.roles import Principal
from takedown.exchange.banks import BankError, bank_named
from takedown.exchange.ingest import Imported, IngestError, import_to_bank, import_to_case
from takedown.pipeline.runtime import Runtime
from takedown.store.tables import Case
from takedown.web.api.common import Out, Strict, get_or_404
from takedown.web.deps import db_session, officer, runtime

router = APIRouter(tags=["banks"])


class ImportIn(Strict):
    format: Literal["stopncii", "ncmec", "threatexchange"]
    source: str = Field(min_length=1, max_length=200)  # where the list came from, in words
    content: str = Field(min_length=1, max_length=20_000_000)


class ImportOut(Out):
    target: str
    added: int
    withdrawn_in_list: int
    skipped: dict[str, int]
    provenance: dict[str, Any]
    reference_ids: list[int] = Field(default_factory=list)


def _out(result: Imported) -> ImportOut:
    return ImportOut(**result.__dict__)


@router.post("/banks/{name}/import", response_model=ImportOut)
def import_bank(
    name: str, body: ImportIn, s: Session = Depends(db_session), who: Principal = Depends(officer)
) -> ImportOut:
    try:
        bank = bank_named(s, name)
    except BankError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    try:
        return _out(import_to_bank(s, bank, body.format, body.content, body.source, who.actor))
    except IngestError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc


@router.post("/cases/{case_id}/import", response_model=ImportOut)
def import_case(
    case_id: int, body: ImportIn, rt: Runtime = Depends(runtime), who: Principal = Depends(officer)
) -> ImportOut:
    with rt.db.session() as s:
        case = get_or_404(s, Case, case_id, "case")
        try:
            out = _out(import_to_case(s, case, body.format, body.content, body.source, who.actor))
        except IngestError as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    for ref_id in out.reference_ids:
        rt.submit("retro", ref_id)  # match against every media seen before the list arrived
    return out
