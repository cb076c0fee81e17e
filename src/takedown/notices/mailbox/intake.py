"""One incoming message into the store: evidence, threading, class, and what it changes.

The raw message is evidence: encrypted in the evidence store (kind ``mail``) under its own key,
with a custody entry; the row keeps the headers, the SHA-256 and an excerpt of the sender's own
words. Each message is taken once (by SHA-256), so reading the mailbox twice changes nothing.

What a message may change, and only when threaded to a sent request:

* a bounce whose failed address is one of the request's recipients marks that recipient failed
  (the caller then drafts a request to the next contact, for the officer);
* a reply from the recipient's domain (*verified*) records its class: a ticket number is kept;
  "removed" stops the reminders and asks for an immediate re-check (only the re-check resolves);
  "refused" and "more information" put the request back in the officer's queue with the reply;
* a reply from anyone else is shown as unverified and changes nothing.

Nothing is ever answered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.audit import Event, record
from takedown.evidence.manifest import Manifest
from takedown.evidence.record import EvidenceRecord
from takedown.evidence.services import EvidenceServices
from takedown.notices.mailbox.bounces import Bounce, parse_bounce
from takedown.notices.mailbox.classify import ReplyClass, classify_reply, own_words
from takedown.notices.mailbox.parse import IncomingMail, _payload_text, parse_message
from takedown.notices.mailbox.threads import SentRequest, thread_message
from takedown.store.base import utcnow
from takedown.store.tables import MailMessage, Notice

ACTOR = "system:mailbox"
EXCERPT_CHARS = 4000
HEADERS_KEPT = (
    "from",
    "to",
    "cc",
    "reply-to",
    "subject",
    "date",
    "message-id",
    "in-reply-to",
    "references",
    "auto-submitted",
    "content-type",
    "content-language",
    "return-path",
    "received",
    "authentication-results",
    "dkim-signature",
)
# Replies the officer may confirm; "bounce" is a bounce's own class.
CLASSES: tuple[str, ...] = tuple(c.value for c in ReplyClass)
ATTENTION = frozenset({ReplyClass.REFUSED.value, ReplyClass.MORE_INFO.value})
_EMBEDDED_ID = re.compile(r"^message-id:\s*(<[^<>\s]{1,250}>)", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class Intake:
    """What one message did: its row, its request, and the follow-up the caller must start."""

    message_row_id: int
    notice_id: int | None
    kind: str
    recheck: bool = False
    bounced: tuple[str, ...] = field(default=())


def _embedded_ids(mail: IncomingMail) -> tuple[str, ...]:
    """Message-IDs quoted in a bounce's returned headers (message/rfc822, text/rfc822-headers)."""
    found: list[str] = []
    for part in mail.parts:
        ctype = part.get_content_type()
        if ctype in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers"):
            payload = part.get_payload()
            if isinstance(payload, list):
                text = "\n".join(str(p) for p in payload[:3])
            else:
                text = _payload_text(part)
            found += _EMBEDDED_ID.findall(text[:100_000])
    found += _EMBEDDED_ID.findall(mail.text[:100_000])
    return tuple(dict.fromkeys(found))[:20]


def _candidates(s: Session, ids: tuple[str, ...]) -> list[Notice]:
    if not ids:
        return []
    wanted = {i.strip() for i in ids} | {i.strip().strip("<>") for i in ids}
    return list(
        s.execute(
            select(Notice).where(Notice.message_id.in_(sorted(wanted)), Notice.sent_at.is_not(None))
        ).scalars()
    )


def _sent(n: Notice) -> SentRequest:
    ref = n.detail.get("reference") if isinstance(n.detail, dict) else None
    return SentRequest(n.id, n.message_id, ref if isinstance(ref, str) else None, tuple(n.to or ()))


def _store_raw(evidence: EvidenceServices, raw: bytes, mail: IncomingMail) -> str:
    key = f"mail-{mail.sha256[:32]}"
    if evidence.store.exists(key, "message.eml"):
        return key  # stored by an earlier read that died before its commit
    manifest = Manifest(
        evidence_key=key,
        page_url="mailto:" + (mail.sender or "unknown"),
        final_url="mailto:" + (mail.sender or "unknown"),
        captured_at=datetime.now(UTC),
        timezone=evidence.timezone,
        capture={"kind": "incoming-mail", "message_id": mail.message_id, "size": mail.size},
    )
    rec = EvidenceRecord(evidence.store, manifest, vault=evidence.vault, signer=evidence.signer)
    rec.add("message.eml", "mail", "message/rfc822", raw, encrypt=True)
    rec.commit(action="mail.received", actor=ACTOR, note=mail.sha256, tsa=evidence.tsa)
    return key


def _failed_of(n: Notice) -> dict[str, object]:
    detail = dict(n.detail or {})
    failed = detail.get("failed_recipients")
    return dict(failed) if isinstance(failed, dict) else {}


def mark_failed(s: Session, n: Notice, bounce: Bounce, row: MailMessage) -> tuple[str, ...]:
    """Mark the request's recipients that bounced; returns the newly failed addresses."""
    to = {a.lower() for a in n.to or []}
    failed = _failed_of(n)
    new: list[str] = []
    for item in bounce.failed:
        if item.address in to and item.address not in failed:
            failed[item.address] = {
                "status": item.status,
                "diagnostic": item.diagnostic[:300],
                "mail": row.id,
            }
            new.append(item.address)
    if new:
        n.detail = {**(n.detail or {}), "failed_recipients": failed}
        n.recipients = [
            {**r, "failed": True} if str(r.get("address", "")).lower() in failed else r
            for r in (n.recipients or [])
            if isinstance(r, dict)
        ]
        record(s, Event("notice.bounced", ACTOR, "notice", n.id, {"failed": new, "mail": row.id}))
    return tuple(new)


def apply_class(s: Session, n: Notice, row: MailMessage, kind: str, actor: str) -> bool:
    """What a verified reply of class ``kind`` changes on its request; True when the request
    must be re-checked now. Unverified replies change nothing."""
    if not row.verified or kind == ReplyClass.BOUNCE.value:
        return False
    detail = dict(n.detail or {})
    if row.ticket:
        detail["ticket"] = row.ticket
    if kind in ATTENTION:
        detail["attention"] = {"class": kind, "mail": row.id, "reason": row.reason or ""}
        n.error = f"the site replied ({kind.replace('_', ' ')}): {(row.reason or '')[:300]}"
    elif detail.get("attention", {}).get("mail") == row.id:
        detail.pop("attention", None)  # the officer corrected the class: out of the queue
        n.error = None
    if kind == ReplyClass.REMOVED.value:
        detail["removed_reply"] = row.id
        if n.renotice_step in (None, "due", "wait"):
            n.renotice_step = "stopped"  # a "removed" reply stops the reminders
    n.detail = detail
    record(
        s,
        Event("notice.reply", actor, "notice", n.id, {"class": kind, "mail": row.id}),
    )
    return kind == ReplyClass.REMOVED.value and n.status == "sent"


def ingest(s: Session, evidence: EvidenceServices, raw: bytes) -> Intake | None:
    """Take one raw message (None when it was taken before)."""
    mail = parse_message(raw)
    if s.execute(select(MailMessage.id).where(MailMessage.sha256 == mail.sha256)).first():
        return None
    key = _store_raw(evidence, raw, mail)
    ids = (*mail.in_reply_to, *mail.references)
    embedded = _embedded_ids(mail)
    candidates = _candidates(s, ids + embedded)
    requests = [_sent(n) for n in candidates]
    match = thread_message(mail, requests)
    notice = next((n for n in candidates if match and n.id == match.notice_id), None)
    if notice is None and embedded:  # a bounce quoting our Message-ID in its returned headers
        notice = next(
            (n for n in candidates if n.message_id and n.message_id.strip() in embedded), None
        )
    bounce = parse_bounce(mail, sent_to=tuple(notice.to or ()) if notice else ())
    if bounce is not None:
        kind, suggested, ticket, reason = "bounce", ReplyClass.BOUNCE.value, None, None
        verified = False
    else:
        cls = classify_reply(mail)
        suggested, ticket, reason = cls.kind.value, cls.ticket, cls.reason
        kind = "auto_reply" if cls.automatic and cls.kind is ReplyClass.AUTO_REPLY else "reply"
        verified = bool(match and match.verified)
    row = MailMessage(
        notice_id=notice.id if notice else None,
        sha256=mail.sha256,
        size=mail.size,
        evidence_key=key,
        received_at=utcnow(),
        sent_date=mail.date if mail.date and mail.date.tzinfo else None,
        sender=mail.sender[:320],
        subject=mail.subject[:1000],
        message_id=mail.message_id,
        headers={k: mail.headers[k] for k in HEADERS_KEPT if k in mail.headers},
        excerpt=own_words(mail.text)[:EXCERPT_CHARS],
        kind=kind,
        via=match.via if match else ("bounce-headers" if notice else None),
        verified=verified,
        suggested=suggested,
        ticket=ticket,
        reason=reason,
        failed_recipients=[
            {"address": f.address, "status": f.status} for f in (bounce.failed if bounce else ())
        ],
        detail={
            "attachments": [
                {"name": a.filename, "type": a.content_type, "size": a.size, "sha256": a.sha256}
                for a in mail.attachments[:50]
            ],
            "truncated": mail.truncated,
            "defects": list(mail.defects),
        },
    )
    s.add(row)
    s.flush()
    record(
        s,
        Event(
            "mail.received",
            ACTOR,
            "mail",
            row.id,
            {
                "sha256": mail.sha256,
                "notice": row.notice_id,
                "class": suggested,
                "verified": verified,
            },
        ),
    )
    if notice is None:
        return Intake(row.id, None, kind)
    if bounce is not None:
        return Intake(row.id, notice.id, kind, bounced=mark_failed(s, notice, bounce, row))
    recheck = apply_class(s, notice, row, suggested, ACTOR)
    return Intake(row.id, notice.id, kind, recheck=recheck)
