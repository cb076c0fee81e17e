"""The face a partner platform's HMA (OpenMediaMatch) or python-threatexchange client talks to.

Served at the service root as HMA serves them, behind ``partner`` tokens only, in HMA's shapes:

* ``GET /m/lookup?signal_type=pdq&signal=<hex>[&banks=A,B]``:
  ``{BANK: [{"bank_content_id": id, "distance": "4"}]}`` (HMA's answer when a signal type is
  given). A bank content id is a bank entry's id: it names no case and no victim.
* ``GET /m/raw_lookup?signal_type=..&signal=..[&include_distance=true]``: ``{"matches": [id]}``
  or ``{"matches": [{"bank_content_id", "distance"}]}``.
* ``POST /m/lookup``: HMA hashes an uploaded file there; this service takes hashes only (415).
* ``GET /m/banks/{name}/fetch?checkpoint=..``: the bank's changes after a signed cursor, for the
  ``takedown_tx`` SignalExchangeAPI extension (withdrawn hashes come as tombstones).

Every call is counted by the per-token limiter (429 past the limit) and written to the audit log.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status

from takedown.accounts.roles import Principal
from takedown.audit import Event, record
from takedown.exchange import cursor as cursors
from takedown.exchange.banks import BankError, Hit, bank_named, changes_after, lookup, sweep_orphans
from takedown.exchange.limiter import RateLimiter
from takedown.exchange.signals import SignalError
from takedown.pipeline.runtime import Runtime
from takedown.web.deps import partner, runtime
from takedown.web.ui.session import session_secret

# Outside the OpenAPI schema of /api/v1: these follow HMA's documented shapes (docs/exchange.md).
router = APIRouter(prefix="/m", tags=["partner (HMA-compatible)"], include_in_schema=False)
FETCH_PAGE = 500


def partner_call(rt: Runtime = Depends(runtime), who: Principal = Depends(partner)) -> Principal:
    """A partner token within its per-minute allowance, else 429 with ``Retry-After``."""
    limiter = RateLimiter(rt.settings.partner_lookups_per_minute)
    with rt.db.session() as s:
        wait = limiter.hit(s, f"partner:{who.id}")
    if wait > 0:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            "too many lookups: wait and try again",
            headers={"Retry-After": str(int(wait + 0.999))},
        )
    return who


def _hits(rt: Runtime, who: Principal, signal_type: str, signal: str) -> list[Hit]:
    with rt.db.session() as s:
        try:
            hits = lookup(s, signal_type, signal)
        except SignalError as exc:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from exc
        data = {"signal_type": signal_type, "matches": len(hits), "banks": _banks(hits)}
        record(s, Event("partner.lookup", who.actor, "token", who.id, data))
    return hits


def _banks(hits: list[Hit]) -> list[str]:
    return list(dict.fromkeys(h.bank for h in hits))


@router.get("/lookup")
def lookup_get(
    signal_type: str = Query(max_length=40),
    signal: str = Query(max_length=200_000),
    banks: str | None = Query(None, max_length=2000),
    rt: Runtime = Depends(runtime),
    who: Principal = Depends(partner_call),
) -> dict[str, list[dict[str, Any]]]:
    """HMA's lookup: per bank holding a match, its bank content ids and distances."""
    wanted = {b.strip() for b in banks.split(",") if b.strip()} if banks else None
    out: dict[str, list[dict[str, Any]]] = {}
    for h in _hits(rt, who, signal_type, signal):
        if wanted is None or h.bank in wanted:
            out.setdefault(h.bank, []).append(_match(h))
    return out


def _match(h: Hit) -> dict[str, Any]:
    return {"bank_content_id": h.entry_id, "distance": str(h.distance)}


@router.post("/lookup", status_code=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE)
def lookup_post(_: Principal = Depends(partner_call)) -> Response:
    """HMA hashes an uploaded file here; this service never takes media from a partner."""
    raise HTTPException(
        status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
        "hash-only: GET /m/lookup?signal_type=pdq&signal=<hex> with a hash computed on your side",
    )


@router.get("/raw_lookup")
def raw_lookup(
    signal_type: str = Query(max_length=40),
    signal: str = Query(max_length=200_000),
    include_distance: bool = False,
    rt: Runtime = Depends(runtime),
    who: Principal = Depends(partner_call),
) -> dict[str, Any]:
    hits = _hits(rt, who, signal_type, signal)
    if include_distance:
        return {"matches": [_match(h) for h in hits]}
    return {"matches": [h.entry_id for h in hits]}


@router.get("/banks/{name}/fetch")
def fetch(
    name: str,
    checkpoint: str | None = Query(None, max_length=200),
    rt: Runtime = Depends(runtime),
    who: Principal = Depends(partner_call),
) -> dict[str, Any]:
    """Changes of a shared bank after ``checkpoint`` (absent: from the start), oldest first."""
    secret = session_secret(rt.settings)
    with rt.db.session() as s:
        sweep_orphans(s)  # hashes of references erased elsewhere become tombstones first
    with rt.db.session() as s:
        try:
            bank = bank_named(s, name)
        except BankError:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no shared bank {name!r}") from None
        if bank.kind != "publish":
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no shared bank {name!r}")
        position = 0
        if checkpoint:
            try:
                position = cursors.decode(checkpoint, secret, bank.id).position
            except cursors.CursorError as exc:
                raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from exc
        changes, more = changes_after(s, bank, position, FETCH_PAGE)
        last = changes[-1].position if changes else position
        data = {"bank": bank.name, "after": position, "changes": len(changes)}
        record(s, Event("partner.fetch", who.actor, "bank", bank.id, data))
        return {
            "bank": bank.name,
            "updates": [
                {
                    "id": c.entry_id,
                    "signal_type": c.signal_type,
                    "signal": c.signal,
                    "withdrawn": c.withdrawn,
                }
                for c in changes
            ],
            "checkpoint": cursors.encode(cursors.Cursor(bank.id, last), secret),
            "has_more": more,
        }
