"""Hostile incoming mail → a bounded, text-only :class:`IncomingMail` (never raises on bad MIME).

Sizes are capped: the raw message is hashed whole, but only a truncated copy of the text is kept,
and attachments are reduced to their name, type, size and SHA-256. HTML is turned into text with
the standard library's tokenizer; nothing in it is fetched or executed.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

MAX_RAW_BYTES = 25 * 1024 * 1024
MAX_TEXT_CHARS = 64 * 1024
MAX_PARTS = 200
MAX_HEADER_CHARS = 998

_MSGID = re.compile(r"<[^<>\s]{1,250}>")


@dataclass(frozen=True)
class AttachmentInfo:
    filename: str
    content_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class IncomingMail:
    """What takedown keeps of one incoming message (the raw bytes go to the encrypted store)."""

    sha256: str
    size: int
    sender: str
    subject: str
    message_id: str | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    date: datetime | None
    headers: dict[str, str]
    text: str
    content_type: str
    attachments: tuple[AttachmentInfo, ...] = ()
    parts: tuple[Message, ...] = field(default=(), repr=False, compare=False)
    truncated: bool = False
    defects: tuple[str, ...] = ()

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


class _TextExtractor(HTMLParser):
    """Visible text of an HTML body; script/style dropped, links never followed."""

    _SKIP = frozenset({"script", "style", "head", "title", "noscript", "template"})
    _BREAK = frozenset(
        {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "table", "blockquote"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skip += 1
        elif tag in self._BREAK:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skip:
            self._skip -= 1
        elif tag in self._BREAK:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.out.append(data)


def html_to_text(markup: str) -> str:
    parser = _TextExtractor()
    try:
        parser.feed(markup[: MAX_TEXT_CHARS * 4])
        parser.close()
    except Exception:  # noqa: S110 - a broken page still yields what was read
        pass
    text = "".join(parser.out)
    text = re.sub(r"[ \t\r\f\v]+", " ", html.unescape(text))
    return re.sub(r"\n\s*\n+", "\n\n", text).strip()


def _clean(value: object) -> str:
    text = str(value) if value is not None else ""
    return re.sub(r"[\r\n\x00]+", " ", text)[:MAX_HEADER_CHARS].strip()


def _ids(value: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_MSGID.findall(value)))[:50]


def _payload_text(part: Message) -> str:
    try:
        if isinstance(part, EmailMessage):
            content = part.get_content()
            if isinstance(content, str):
                return content
    except Exception:  # noqa: S110 - unknown charset or broken transfer encoding
        pass
    raw = part.get_payload(decode=True)
    if isinstance(raw, bytes):
        return raw.decode(part.get_content_charset() or "utf-8", errors="replace")
    return ""


def parse_message(raw: bytes) -> IncomingMail:
    """Parse ``raw`` without trusting it; the result is always usable."""
    digest = hashlib.sha256(raw).hexdigest()
    size = len(raw)
    truncated = size > MAX_RAW_BYTES
    msg = BytesParser(policy=policy.default).parsebytes(raw[:MAX_RAW_BYTES])
    defects = [type(d).__name__ for d in msg.defects][:20]
    headers: dict[str, str] = {}
    for key in msg.keys()[:200]:
        try:
            value = msg.get(key)
        except Exception:  # a header the policy cannot fold
            defects.append(f"header:{key}")
            continue
        headers.setdefault(key.lower(), _clean(value))
    sender = ""
    addresses = getaddresses([headers.get("from", "")])
    if addresses and addresses[0][1]:
        sender = addresses[0][1].lower()
    date: datetime | None = None
    try:
        date = parsedate_to_datetime(headers["date"]) if headers.get("date") else None
    except (TypeError, ValueError, IndexError):
        date = None

    plain: list[str] = []
    markup: list[str] = []
    attachments: list[AttachmentInfo] = []
    parts: list[Message] = []
    for count, part in enumerate(msg.walk()):
        if count >= MAX_PARTS:
            defects.append("too-many-parts")
            break
        parts.append(part)
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        disposition = (part.get_content_disposition() or "").lower()
        filename = part.get_filename()
        if disposition == "attachment" or (filename and not ctype.startswith("text/")):
            body = part.get_payload(decode=True)
            data = body if isinstance(body, bytes) else b""
            attachments.append(
                AttachmentInfo(
                    filename=_clean(filename or "")[:200],
                    content_type=ctype,
                    size=len(data),
                    sha256=hashlib.sha256(data).hexdigest(),
                )
            )
        elif ctype == "text/plain":
            plain.append(_payload_text(part))
        elif ctype == "text/html":
            markup.append(_payload_text(part))
    text = "\n".join(plain).strip() or "\n".join(html_to_text(m) for m in markup).strip()
    if len(text) > MAX_TEXT_CHARS:
        text, truncated = text[:MAX_TEXT_CHARS], True
    return IncomingMail(
        sha256=digest,
        size=size,
        sender=sender,
        subject=headers.get("subject", ""),
        message_id=(_ids(headers.get("message-id", "")) or (None,))[0],
        in_reply_to=_ids(headers.get("in-reply-to", "")),
        references=_ids(headers.get("references", "")),
        date=date,
        headers=headers,
        text=text,
        content_type=msg.get_content_type(),
        attachments=tuple(attachments),
        parts=tuple(parts),
        truncated=truncated,
        defects=tuple(defects),
    )
