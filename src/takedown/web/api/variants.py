"""A case's keyword variants: what the monitor matches and searches for, and what was pruned."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import Field
from sqlalchemy.orm import Session

from takedown.accounts.roles import Principal
from takedown.audit import Event, record
from takedown.extract.keywords import generate_variants, search_variants
from takedown.extract.normalise import normalise
from takedown.store.tables import Case
from takedown.web.api.common import Out, Strict, get_or_404
from takedown.web.deps import db_session, officer, viewer

router = APIRouter(prefix="/cases", tags=["cases"])


class VariantOut(Out):
    text: str
    kind: str
    pruned: bool
    searched: bool


class KeywordVariantsOut(Out):
    keyword: str
    variants: list[VariantOut]


class VariantsOut(Out):
    case_id: int
    keywords: list[KeywordVariantsOut]
    pruned: list[str]


class PruneIn(Strict):
    pruned: list[str] = Field(default_factory=list, max_length=2000)


def _listing(case: Case) -> VariantsOut:
    pruned = {normalise(str(text)) for text in case.pruned_variants or []}
    out: list[KeywordVariantsOut] = []
    for keyword in case.keywords or []:
        found = generate_variants(str(keyword))
        kept = [v for v in found if v.kind == "original" or normalise(v.text) not in pruned]
        searched = {v.text for v in search_variants(kept)}
        out.append(
            KeywordVariantsOut(
                keyword=str(keyword),
                variants=[
                    VariantOut(
                        text=v.text,
                        kind=v.kind,
                        pruned=v.kind != "original" and normalise(v.text) in pruned,
                        searched=v.text in searched,
                    )
                    for v in found
                ],
            )
        )
    return VariantsOut(
        case_id=case.id, keywords=out, pruned=[str(t) for t in case.pruned_variants or []]
    )


@router.get("/{case_id}/variants", response_model=VariantsOut)
def list_variants(
    case_id: int, s: Session = Depends(db_session), _: Principal = Depends(viewer)
) -> VariantsOut:
    """Every keyword's generated variants, each marked pruned or kept, searched or not."""
    return _listing(get_or_404(s, Case, case_id, "case"))


@router.put("/{case_id}/variants/pruned", response_model=VariantsOut)
def prune_variants(
    case_id: int,
    body: PruneIn,
    s: Session = Depends(db_session),
    who: Principal = Depends(officer),
) -> VariantsOut:
    """Replace the case's pruned variants (a keyword itself cannot be pruned)."""
    case = get_or_404(s, Case, case_id, "case")
    originals = {normalise(str(k)) for k in case.keywords or []}
    kept: list[str] = []
    for text in body.pruned:
        text = " ".join(text.split())
        if text and normalise(text) not in originals and text not in kept:
            kept.append(text)
    case.pruned_variants = kept
    record(s, Event("case.variants.prune", who.actor, "case", case.id, {"pruned": kept}))
    return _listing(case)
