"""Banks: publishing a case's confirmed hashes, withdrawing them, paging changes, lookups.

A bank entry keeps which case and reference it came from so that removing the reference
withdraws the hash; nothing a partner receives names either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from takedown.audit import Event, record
from takedown.exchange.signals import FAMILY, normalise, reference_signals
from takedown.matching.hashers.pdq import codes_of, hamming_matrix
from takedown.matching.intake import parse_vpdq_entries
from takedown.store.base import utcnow
from takedown.store.tables import Bank, BankChange, BankEntry, Case, Detection, Media, Reference

PDQ_THRESHOLD = 31  # python-threatexchange's PDQ_CONFIDENT_MATCH_THRESHOLD, HMA's default
VPDQ_MATCH_SHARE = 0.8  # share of the query's frames that must match one entry's frames
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,99}$")
KINDS = ("publish", "watch")


class BankError(ValueError):
    """A bad bank name, a duplicate, or an unknown bank."""


def create_bank(session: Session, name: str, actor: str, kind: str = "publish") -> Bank:
    if not _NAME.match(name or ""):
        raise BankError("a bank name is 1-100 letters, digits, spaces, '_', '.' or '-'")
    if kind not in KINDS:
        raise BankError(f"a bank is {' or '.join(KINDS)}")
    if session.execute(select(Bank.id).where(Bank.name == name)).scalar() is not None:
        raise BankError(f"a bank named {name!r} exists")
    bank = Bank(name=name, kind=kind, created_by=actor)
    session.add(bank)
    session.flush()
    record(session, Event("bank.create", actor, "bank", bank.id, {"name": name, "kind": kind}))
    return bank


def bank_named(session: Session, name: str) -> Bank:
    bank = session.execute(select(Bank).where(Bank.name == name)).scalar_one_or_none()
    if bank is None:
        raise BankError(f"no bank named {name!r}")
    return bank


def add_entry(
    session: Session,
    bank: Bank,
    signal_type: str,
    signal: str,
    origin: str,
    *,
    case_id: int | None = None,
    reference_id: int | None = None,
    detection_id: int | None = None,
    provenance: dict[str, Any] | None = None,
) -> BankEntry:
    entry = BankEntry(
        bank_id=bank.id,
        signal_type=signal_type,
        signal=normalise(signal_type, signal),
        origin=origin,
        case_id=case_id,
        reference_id=reference_id,
        detection_id=detection_id,
        provenance=provenance or {},
    )
    session.add(entry)
    session.flush()
    session.add(BankChange(bank_id=bank.id, entry_id=entry.id, op="add"))
    return entry


@dataclass(frozen=True)
class Published:
    bank: str
    added: int
    already: int
    references: int
    detections: int


def _live_keys(session: Session, bank_id: int) -> set[tuple[str, str, int | None, int | None]]:
    rows = session.execute(
        select(
            BankEntry.signal_type, BankEntry.signal, BankEntry.reference_id, BankEntry.detection_id
        ).where(BankEntry.bank_id == bank_id, BankEntry.withdrawn.is_(False))
    )
    return {(r[0], r[1], r[2], r[3]) for r in rows}


def publish_case(session: Session, case: Case, bank: Bank, actor: str) -> Published:
    """Publish every reference of ``case`` and the hashes of its officer-confirmed matches."""
    if bank.kind != "publish":
        raise BankError(f"bank {bank.name!r} is a watch list: it is not shared with partners")
    live = _live_keys(session, bank.id)
    added = already = 0
    refs = list(session.execute(select(Reference).where(Reference.case_id == case.id)).scalars())
    for ref in refs:
        for stype, signal in reference_signals(ref.hashes):
            if (stype, signal, ref.id, None) in live:
                already += 1
                continue
            add_entry(
                session, bank, stype, signal, "reference", case_id=case.id, reference_id=ref.id
            )
            added += 1
    confirmed = session.execute(
        select(Detection, Media)
        .join(Media, Media.id == Detection.media_id)
        .where(Detection.case_id == case.id, Detection.review == "confirmed")
    ).all()
    for det, media in confirmed:
        for stype, signal in reference_signals(media.hashes):
            if (stype, signal, None, det.id) in live:
                already += 1
                continue
            add_entry(
                session, bank, stype, signal, "detection", case_id=case.id, detection_id=det.id
            )
            added += 1
    out = Published(bank.name, added, already, len(refs), len(confirmed))
    data = {"bank": bank.name, "added": added, "references": len(refs), "matches": len(confirmed)}
    record(session, Event("bank.publish", actor, "case", case.id, data))
    return out


def _withdraw(session: Session, entries: list[BankEntry]) -> int:
    now = utcnow()
    for entry in entries:
        entry.withdrawn = True
        entry.withdrawn_at = now
        session.add(BankChange(bank_id=entry.bank_id, entry_id=entry.id, op="withdraw"))
    session.flush()
    return len(entries)


def withdraw_reference(session: Session, reference_id: int, actor: str) -> int:
    """Withdraw the hashes of a reference from every bank; returns how many entries."""
    entries = list(
        session.execute(
            select(BankEntry).where(
                BankEntry.reference_id == reference_id, BankEntry.withdrawn.is_(False)
            )
        ).scalars()
    )
    n = _withdraw(session, entries)
    if n:
        record(session, Event("bank.withdraw", actor, "reference", reference_id, {"entries": n}))
    return n


def _orphaned() -> ColumnElement[bool]:
    """Entries whose reference or match is gone, or whose case was erased."""
    erased = select(Case.id).where(Case.erased_at.is_not(None))
    return or_(
        (BankEntry.origin == "reference") & BankEntry.reference_id.is_(None),
        (BankEntry.origin == "detection") & BankEntry.detection_id.is_(None),
        BankEntry.case_id.in_(erased),
    )


def sweep_orphans(session: Session) -> int:
    """Withdraw entries whose reference or match is gone (a case erased, a row deleted)."""
    entries = list(
        session.execute(
            select(BankEntry).where(BankEntry.withdrawn.is_(False), _orphaned())
        ).scalars()
    )
    n = _withdraw(session, entries)
    if n:
        record(session, Event("bank.withdraw", "system:takedown", "bank", 0, {"orphans": n}))
    return n


@dataclass(frozen=True)
class Change:
    position: int
    entry_id: int
    signal_type: str
    signal: str
    withdrawn: bool


def changes_after(
    session: Session, bank: Bank, position: int, limit: int
) -> tuple[list[Change], bool]:
    """Up to ``limit`` changes of ``bank`` after ``position``, oldest first, and whether more wait."""
    rows = session.execute(
        select(BankChange, BankEntry)
        .join(BankEntry, BankEntry.id == BankChange.entry_id)
        .where(BankChange.bank_id == bank.id, BankChange.id > position)
        .order_by(BankChange.id)
        .limit(limit + 1)
    ).all()
    out = [Change(c.id, e.id, e.signal_type, e.signal, c.op == "withdraw") for c, e in rows[:limit]]
    return out, len(rows) > limit


@dataclass(frozen=True)
class Hit:
    entry_id: int
    bank_id: int
    bank: str
    distance: int


def lookup(session: Session, signal_type: str, signal: str) -> list[Hit]:
    """Live entries of the shared (publish) banks that match; ``SignalError`` on bad input."""
    value = normalise(signal_type, signal)
    family = FAMILY[signal_type]
    types = [t for t, f in FAMILY.items() if f == family]
    rows = session.execute(
        select(BankEntry.id, BankEntry.signal, Bank.id, Bank.name)
        .join(Bank, Bank.id == BankEntry.bank_id)
        .where(
            BankEntry.signal_type.in_(types),
            BankEntry.withdrawn.is_(False),
            Bank.kind == "publish",
            ~_orphaned(),  # withdrawn at the next fetch; never answered meanwhile
        )
        .order_by(BankEntry.id)
    ).all()
    if family == "pdq":
        if not rows:
            return []
        dist = hamming_matrix(codes_of([value]), codes_of([r[1] for r in rows]))[0]
        return [
            Hit(r[0], r[2], r[3], int(d))
            for r, d in zip(rows, dist, strict=True)
            if d <= PDQ_THRESHOLD
        ]
    if family == "vpdq":
        query = codes_of([f.hex for f in parse_vpdq_entries([value])])
        hits = []
        for r in rows:
            stored = codes_of([f.hex for f in parse_vpdq_entries([r[1]])])
            d = hamming_matrix(query, stored)
            best = d.min(axis=1) if d.size else np.zeros(0, dtype=np.int64)
            if len(best) and float(np.mean(best <= PDQ_THRESHOLD)) >= VPDQ_MATCH_SHARE:
                hits.append(Hit(r[0], r[2], r[3], int(np.median(best))))
        return hits
    return [Hit(r[0], r[2], r[3], 0) for r in rows if r[1] == value]
