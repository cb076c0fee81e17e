"""Bounces: RFC 3464 delivery status notifications and the common plain-text forms.

A bounce names the recipients whose delivery *failed* (``Action: failed`` or a 5.x.x status);
delayed or relayed reports are not failures. Plain-text forms (Postfix "Undelivered Mail Returned
to Sender", Exim/Gmail "Delivery to the following recipient failed", qmail "Hi. This is the qmail-send
program") are recognised by their wording and the addresses they quote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message

from takedown.notices.mailbox.parse import IncomingMail, _payload_text

_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,250})")
_STATUS = re.compile(r"\b([245])\.\d{1,3}\.\d{1,3}\b")
_PLAIN_MARKERS = (
    "undelivered mail returned to sender",
    "delivery status notification (failure)",
    "delivery to the following recipient failed",
    "delivery to the following recipients failed",
    "mail delivery failed",
    "returning message to sender",
    "this is the qmail-send program",
    "could not be delivered to one or more recipients",
    "message not delivered",
    "undeliverable:",
    "failure notice",
)
_BOUNCE_SENDERS = ("mailer-daemon@", "postmaster@")


@dataclass(frozen=True)
class FailedRecipient:
    address: str
    status: str
    diagnostic: str


@dataclass(frozen=True)
class Bounce:
    failed: tuple[FailedRecipient, ...]
    standard: bool  # an RFC 3464 report, not a guess from wording


def _fields(block: str) -> dict[str, str]:
    out: dict[str, str] = {}
    key = ""
    for line in block.splitlines():
        if line[:1] in (" ", "\t") and key:
            out[key] += " " + line.strip()
            continue
        name, sep, value = line.partition(":")
        if sep:
            key = name.strip().lower()
            out[key] = value.strip()
    return out


def _address(value: str) -> str:
    kind, sep, rest = value.partition(";")
    found = _ADDRESS.search(rest if sep else kind)
    return found.group(0).lower().rstrip(".") if found else ""


def _status_part(part: Message) -> str:
    payload = part.get_payload()
    if isinstance(payload, list):  # the policy parses message/delivery-status into sub-messages
        return "\n\n".join(str(sub) for sub in payload if isinstance(sub, Message))
    return _payload_text(part)


def _standard(mail: IncomingMail) -> list[FailedRecipient] | None:
    if mail.content_type != "multipart/report":
        return None
    status_parts = [p for p in mail.parts if p.get_content_type() == "message/delivery-status"]
    if not status_parts:
        return None
    failed: list[FailedRecipient] = []
    for part in status_parts:
        for block in re.split(r"\n\s*\n", _status_part(part).replace("\r\n", "\n")):
            fields = _fields(block)
            recipient = _address(
                fields.get("final-recipient") or fields.get("original-recipient", "")
            )
            if not recipient:
                continue
            action = fields.get("action", "").lower()
            status = fields.get("status", "")
            if action == "failed" or status.startswith("5"):
                failed.append(
                    FailedRecipient(recipient, status[:16], fields.get("diagnostic-code", "")[:500])
                )
    return failed


def _plain(mail: IncomingMail) -> list[FailedRecipient] | None:
    haystack = f"{mail.subject}\n{mail.text[:4000]}".lower()
    from_daemon = mail.sender.startswith(_BOUNCE_SENDERS)
    if not any(marker in haystack for marker in _PLAIN_MARKERS) and not from_daemon:
        return None
    failed: dict[str, FailedRecipient] = {}
    for line in mail.text.splitlines()[:400]:
        for found in _ADDRESS.findall(line):
            address = found.lower().rstrip(".")
            if address == mail.sender or address.startswith(_BOUNCE_SENDERS):
                continue
            status = _STATUS.search(line)
            if status and status.group(1) != "5":
                continue
            failed.setdefault(
                address,
                FailedRecipient(
                    address, status.group(0) if status else "5.0.0", line.strip()[:500]
                ),
            )
    return list(failed.values()) or None


def parse_bounce(mail: IncomingMail, *, sent_to: tuple[str, ...] = ()) -> Bounce | None:
    """The failed recipients ``mail`` reports, or None when it is not a failure report.

    With ``sent_to`` (the request's recipients), a plain-text bounce counts only addresses that
    were actually sent to, so quoted headers or the center's own address are never marked failed.
    """
    standard = _standard(mail)
    if standard is not None:
        return Bounce(tuple(standard), standard=True) if standard else None
    plain = _plain(mail)
    if not plain:
        return None
    if sent_to:
        wanted = {a.lower() for a in sent_to}
        plain = [f for f in plain if f.address in wanted]
    return Bounce(tuple(plain), standard=False) if plain else None
