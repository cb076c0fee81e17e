"""Sending deletion requests by SMTP: configuration from ``smtp_url``, the MIME message, errors.

The stdlib ``smtplib`` runs in a worker thread. :class:`SendError` says whether a retry can help
(``temporary``: connection refused, timeouts, 4xx replies) or not (5xx, bad credentials, TLS).
The Message-ID is made before sending, so the caller can store it first and reuse the very same
message on a retry: a request is then never recorded twice under different identities.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit

from takedown.notices.compose import DraftNotice
from takedown.notices.contacts.model import is_email

TlsMode = Literal["none", "opportunistic", "starttls", "ssl"]


class SendError(Exception):
    """A request could not be handed to the mail server."""

    def __init__(self, message: str, *, temporary: bool, code: int | None = None) -> None:
        super().__init__(message)
        self.temporary = temporary
        self.code = code


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to send. ``tls``: ``opportunistic`` uses STARTTLS when the server offers it,
    ``starttls`` requires it, ``ssl`` is implicit TLS (``smtps://``)."""

    host: str
    port: int
    sender: str
    tls: TlsMode = "opportunistic"
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0
    verify_tls: bool = True

    @classmethod
    def from_url(cls, url: str, sender: str, *, timeout: float = 30.0) -> SmtpConfig:
        """Parse ``smtp://host:port``, ``smtps://user:pass@host:port``, ``?starttls=1|0``,
        ``?verify=0`` (for a relay with a private certificate)."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError(f"smtp_url must start with smtp:// or smtps://, not {parts.scheme!r}")
        if not parts.hostname:
            raise ValueError("smtp_url has no host")
        if not is_email(sender):
            raise ValueError(f"smtp_from is not an e-mail address: {sender!r}")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        tls: TlsMode
        if parts.scheme == "smtps":
            tls = "ssl"
        elif query.get("starttls") in ("1", "true", "yes"):
            tls = "starttls"
        elif query.get("starttls") in ("0", "false", "no"):
            tls = "none"
        else:
            tls = "opportunistic"
        try:
            port = parts.port or (465 if tls == "ssl" else 25)
        except ValueError as exc:
            raise ValueError(f"smtp_url has a bad port: {exc}") from None
        return cls(
            host=parts.hostname,
            port=port,
            sender=sender,
            tls=tls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            timeout=timeout,
            verify_tls=query.get("verify") not in ("0", "false", "no"),
        )


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    media_type: str = "application/octet-stream"


@dataclass(frozen=True)
class SendResult:
    message_id: str
    accepted: tuple[str, ...]
    refused: tuple[str, ...] = ()
    # A channel's record of the delivery (a form's confirmation text and number), and files to
    # keep as evidence of it (screenshots before and after submitting).
    receipt: Mapping[str, Any] = field(default_factory=dict)
    artifacts: tuple[Attachment, ...] = ()


def new_message_id(sender: str) -> str:
    """A fresh ``<...@domain>`` Message-ID in the sender's domain."""
    return make_msgid(domain=sender.rsplit("@", 1)[-1])


def build_message(
    draft: DraftNotice,
    *,
    sender: str,
    to: Sequence[str],
    message_id: str | None = None,
    cc: Sequence[str] = (),
    reply_to: str | None = None,
    attachments: Sequence[Attachment] = (),
) -> EmailMessage:
    """The MIME message of a draft (UTF-8 headers and body), threaded when it is a reminder."""
    recipients = [*to, *cc]
    if not to:
        raise ValueError("a notice needs at least one recipient")
    for address in (sender, *recipients):
        if not is_email(address):
            raise ValueError(f"not an e-mail address: {address!r}")
    msg = EmailMessage()
    msg["Subject"] = draft.subject
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    if cc:
        msg["Cc"] = ", ".join(cc)
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = message_id or new_message_id(sender)
    if draft.in_reply_to:
        msg["In-Reply-To"] = draft.in_reply_to
    if draft.references:
        msg["References"] = " ".join(draft.references)
    # Auto-responders should not answer with holiday notices to the center's queue.
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(draft.body, charset="utf-8")
    for item in attachments:
        maintype, _, subtype = item.media_type.partition("/")
        msg.add_attachment(
            item.content,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=item.filename,
        )
    # Set last: making the message multipart moves Content-* headers into the text part.
    msg["Content-Language"] = draft.language
    return msg


def _tls_context(config: SmtpConfig) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if not config.verify_tls:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _deliver(config: SmtpConfig, message: EmailMessage) -> SendResult:
    recipients = [
        a.strip()
        for field in ("To", "Cc")
        for a in str(message.get(field, "")).split(",")
        if a.strip()
    ]
    message_id = str(message["Message-ID"])
    client: smtplib.SMTP
    if config.tls == "ssl":
        client = smtplib.SMTP_SSL(
            config.host, config.port, timeout=config.timeout, context=_tls_context(config)
        )
    else:
        client = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
    with client:
        client.ehlo()
        if config.tls == "starttls" or (
            config.tls == "opportunistic" and client.has_extn("starttls")
        ):
            client.starttls(context=_tls_context(config))
            client.ehlo()
        if config.username is not None:
            client.login(config.username, config.password or "")
        refused = client.send_message(message, from_addr=config.sender, to_addrs=recipients)
    return SendResult(
        message_id=message_id,
        accepted=tuple(r for r in recipients if r not in refused),
        refused=tuple(refused),
    )


def _classify(exc: Exception) -> SendError:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        temporary = bool(codes) and all(400 <= c < 500 for c in codes)
        return SendError(
            f"every recipient was refused: {exc.recipients}", temporary=temporary, code=codes[0]
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return SendError(f"the server does not support it: {exc}", temporary=False)
    if isinstance(exc, smtplib.SMTPResponseException):
        code = exc.smtp_code
        text = (
            exc.smtp_error.decode("utf-8", "replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        return SendError(f"SMTP {code}: {text}", temporary=400 <= code < 500, code=code)
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return SendError(f"the server closed the connection: {exc}", temporary=True)
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return SendError(f"TLS failed: {exc}", temporary=False)
    if isinstance(exc, smtplib.SMTPException):
        return SendError(f"SMTP error: {exc}", temporary=False)
    # OSError covers refused connections, unreachable hosts, timeouts and DNS failures.
    return SendError(f"cannot reach the mail server: {exc}", temporary=True)


async def send_message(config: SmtpConfig, message: EmailMessage) -> SendResult:
    """Hand ``message`` to the server; raises :class:`SendError`. Runs in a thread."""
    try:
        return await asyncio.to_thread(_deliver, config, message)
    except (smtplib.SMTPException, OSError) as exc:
        raise _classify(exc) from exc
