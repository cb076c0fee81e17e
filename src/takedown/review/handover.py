"""Handing a case's evidence to the police: the signed bundle, audited, and the items marked as
handed over (retention then keeps them)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select

from takedown.accounts.roles import Principal
from takedown.audit import Event, record
from takedown.evidence.bundle import BundleError, BundleItem, build_bundle
from takedown.pipeline.runtime import Runtime
from takedown.store.base import utcnow
from takedown.store.tables import Case, Detection, Evidence


def case_items(rt: Runtime, case_id: int, evidence_ids: Sequence[int] = ()) -> list[BundleItem]:
    """The captured evidence of the case's detections (or only ``evidence_ids`` among them)."""
    with rt.db.session() as s:
        if s.get(Case, case_id) is None:
            raise LookupError(f"no case {case_id}")
        q = (
            select(Evidence)
            .join(Detection, Detection.evidence_id == Evidence.id)
            .where(Detection.case_id == case_id, Evidence.state == "captured")
            .distinct()
            .order_by(Evidence.id)
        )
        rows = list(s.execute(q).scalars())
        if evidence_ids:
            wanted = set(evidence_ids)
            unknown = wanted - {e.id for e in rows}
            if unknown:
                raise BundleError(f"not captured evidence of case {case_id}: {sorted(unknown)}")
            rows = [e for e in rows if e.id in wanted]
        return [
            BundleItem(
                e.id, e.key, e.page_url, e.captured_at.isoformat() if e.captured_at else None
            )
            for e in rows
        ]


def bundle_case(
    rt: Runtime,
    case_id: int,
    dest: Path,
    who: Principal,
    *,
    evidence_ids: Sequence[int] = (),
    handed_to: str | None = None,
) -> list[BundleItem]:
    """Write the case's signed bundle to ``dest``; with ``handed_to`` (e.g. a police unit), mark
    the items handed over. Audited either way (the export decrypts evidence)."""
    items = case_items(rt, case_id, evidence_ids)
    services = rt.services.evidence
    build_bundle(
        services.store,
        items,
        dest,
        vault=services.vault,
        signer=rt.services.signer,
        title=f"takedown case {case_id}",
    )
    with rt.db.session() as s:
        if handed_to:
            now = utcnow()
            for item in items:
                ev = s.get(Evidence, item.evidence_id)
                if ev is not None and ev.handed_over_at is None:
                    ev.handed_over_at, ev.handed_over_to = now, handed_to[:200]
        record(
            s,
            Event(
                "evidence.bundle",
                who.actor,
                "case",
                case_id,
                {"evidence": [i.evidence_id for i in items], "handed_to": handed_to},
            ),
        )
    return items
