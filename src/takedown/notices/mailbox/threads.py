"""Threading: which sent request an incoming message answers, and whether its sender is verified.

Matched, strongest first, on the request's Message-ID in In-Reply-To/References, then on the
request's own reference (``TD-`` + 10 base32 characters) in the subject or body. A sender whose
domain is not one of the request's recipient domains (or a subdomain of one) is *unverified*: the
message is shown on the timeline as such and resolves nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from takedown.notices.mailbox.parse import IncomingMail

REFERENCE = re.compile(r"\bTD-[A-Z2-7]{10}\b")


@dataclass(frozen=True)
class SentRequest:
    """What threading needs of one sent request."""

    notice_id: int
    message_id: str | None
    reference: str | None
    recipients: tuple[str, ...]


@dataclass(frozen=True)
class ThreadMatch:
    notice_id: int
    via: str  # "in-reply-to", "references", "reference"
    verified: bool


def _norm(message_id: str | None) -> str:
    return (message_id or "").strip().strip("<>").lower()


def _domain(address: str) -> str:
    return address.rpartition("@")[2].strip().lower().rstrip(".")


def sender_verified(sender: str, recipients: Sequence[str]) -> bool:
    """``sender`` is at one of the recipients' domains (or a subdomain of one)."""
    domain = _domain(sender)
    if not domain or "@" not in sender:
        return False
    for recipient in recipients:
        wanted = _domain(recipient)
        if wanted and (domain == wanted or domain.endswith("." + wanted)):
            return True
    return False


def thread_message(mail: IncomingMail, requests: Sequence[SentRequest]) -> ThreadMatch | None:
    """The request ``mail`` belongs to, or None (it then waits, unthreaded, for the officer)."""
    by_id = {_norm(r.message_id): r for r in requests if r.message_id}
    for via, ids in (
        ("in-reply-to", mail.in_reply_to),
        ("references", tuple(reversed(mail.references))),
    ):
        for candidate in ids:
            found = by_id.get(_norm(candidate))
            if found:
                return ThreadMatch(
                    found.notice_id, via, sender_verified(mail.sender, found.recipients)
                )
    by_ref = {r.reference.upper(): r for r in requests if r.reference}
    for where in (mail.subject, mail.text):
        for ref in REFERENCE.findall(where.upper()):
            found = by_ref.get(ref)
            if found:
                return ThreadMatch(
                    found.notice_id, "reference", sender_verified(mail.sender, found.recipients)
                )
    return None
