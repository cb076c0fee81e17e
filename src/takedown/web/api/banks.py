"""Hash banks for partner platforms: create, list, publish a case into one, withdraw a reference.

Officers and admins publish; viewers may list. A partner token reaches none of this (its routes
are the HMA-compatible ones at the service root, :mod:`takedown.web.api.hma`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, status
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from takedown.accounts.roles import Principal
from takedown.audit import Event, record
from takedown.exchange.banks import BankError, bank_named, create_bank, publish_case
from takedown.exchange.banks import withdraw_reference as withdraw
from takedown.store.tables import Bank, BankEntry, Case, Reference
from takedown.web.api.common import Out, Strict, get_or_404
from takedown.web.deps import db_session, officer, viewer

router = APIRouter(tags=["banks"])


class BankIn(Strict):
    name: str
    kind: Literal["publish", "watch"] = "publish"


class BankOut(Out):
    id: int
    name: str
    kind: str
    created_at: datetime
    live_hashes: int = 0


class PublishIn(Strict):
    bank: str


class PublishOut(Out):
    bank: str
    added: int
    already: int
    references: int
    detections: int


def _out(s: Session, bank: Bank) -> BankOut:
    live = s.execute(
        select(func.count())
        .select_from(BankEntry)
        .where(BankEntry.bank_id == bank.id, BankEntry.withdrawn.is_(False))
    ).scalar_one()
    return BankOut(
        id=bank.id, name=bank.name, kind=bank.kind, created_at=bank.created_at, live_hashes=live
    )


@router.post("/banks", status_code=status.HTTP_201_CREATED, response_model=BankOut)
def new_bank(
    body: BankIn, s: Session = Depends(db_session), who: Principal = Depends(officer)
) -> BankOut:
    try:
        bank = create_bank(s, body.name, who.actor, body.kind)
    except BankError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    return _out(s, bank)


@router.get("/banks", response_model=list[BankOut])
def list_banks(s: Session = Depends(db_session), _: Principal = Depends(viewer)) -> list[BankOut]:
    return [_out(s, b) for b in s.execute(select(Bank).order_by(Bank.id)).scalars()]


@router.post("/cases/{case_id}/publish", response_model=PublishOut)
def publish(
    case_id: int,
    body: PublishIn,
    s: Session = Depends(db_session),
    who: Principal = Depends(officer),
) -> PublishOut:
    """Publish the case's references and officer-confirmed matches to a partner bank."""
    case = get_or_404(s, Case, case_id, "case")
    if case.erased_at is not None or case.status == "closed":
        raise HTTPException(status.HTTP_409_CONFLICT, "a closed or erased case is not published")
    try:
        out = publish_case(s, case, bank_named(s, body.bank), who.actor)
    except BankError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    return PublishOut(**out.__dict__)


@router.delete("/cases/{case_id}/references/{reference_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_reference(
    case_id: int,
    reference_id: int,
    s: Session = Depends(db_session),
    who: Principal = Depends(officer),
) -> None:
    """Remove a reference; its hashes are withdrawn from every bank (a tombstone for partners)."""
    ref = get_or_404(s, Reference, reference_id, "reference")
    if ref.case_id != case_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"reference {reference_id} not found")
    withdrawn = withdraw(s, ref.id, who.actor)
    record(
        s,
        Event(
            "reference.remove",
            who.actor,
            "reference",
            ref.id,
            {"case": case_id, "banks": withdrawn},
        ),
    )
    s.delete(ref)
