"""RFC 3161 time-stamps of the audit chain's head: proof, from a third party, that the log held
at least its first N entries at a given time, so a rewrite after that time shows.

The stamp is itself an audit entry (``audit.head_stamped``) carrying the DER token over the head
entry's hash; :func:`check_stamps` re-derives each imprint from the chain as it stands now.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from rfc3161_client import decode_timestamp_response
from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.audit import Event, record
from takedown.evidence.record import TimestampAuthority
from takedown.store.tables import AuditEvent

ACTION = "audit.head_stamped"


@dataclass(frozen=True)
class Stamp:
    entry_id: int
    entry_hash: str
    gen_time: str


def stamp_head(session: Session, tsa: TimestampAuthority, tsa_url: str) -> Stamp | None:
    """Time-stamp the newest entry unless it is already the latest stamp (nothing new since)."""
    head = session.execute(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).scalar()
    if head is None or head.action == ACTION:
        return None
    token = tsa.timestamp(head.hash.encode("ascii"))
    info = decode_timestamp_response(token).tst_info
    stamp = Stamp(head.id, head.hash, info.gen_time.isoformat())
    record(
        session,
        Event(
            ACTION,
            "system:tsa",
            "audit",
            head.id,
            {
                "entry": head.id,
                "hash": head.hash,
                "tsa": tsa_url,
                "gen_time": stamp.gen_time,
                "token": base64.b64encode(token).decode("ascii"),
            },
        ),
    )
    return stamp


def check_stamps(session: Session) -> tuple[int, list[str]]:
    """Each stamp's token must cover the hash its entry has today; returns (stamps, problems)."""
    hashes = dict(session.execute(select(AuditEvent.id, AuditEvent.hash)).tuples().all())
    problems: list[str] = []
    count = 0
    for row in session.execute(select(AuditEvent).where(AuditEvent.action == ACTION)).scalars():
        count += 1
        entry = int(row.data.get("entry", 0))
        try:
            info = decode_timestamp_response(base64.b64decode(row.data["token"])).tst_info
        except (KeyError, ValueError) as exc:
            problems.append(f"stamp {row.id}: unreadable token ({exc})")
            continue
        now_hash = hashes.get(entry)
        if now_hash is None:
            problems.append(f"stamp {row.id}: the stamped entry {entry} is gone")
            continue
        expected = hashlib.sha256(now_hash.encode("ascii")).digest()
        if info.message_imprint.message != expected:
            problems.append(f"stamp {row.id}: entry {entry} changed after it was time-stamped")
    return count, problems
