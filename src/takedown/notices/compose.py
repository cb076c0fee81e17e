"""Drafting deletion requests: the first notice, a threaded reminder and an escalation.

Pure functions: a :class:`NoticeRequest` in, a :class:`DraftNotice` out. The request carries a
case reference, never a person's name; :func:`check_no_leak` lets the caller make sure of it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

from takedown.notices import messages as m
from takedown.notices.catalog import Translator
from takedown.notices.contacts.model import Contact
from takedown.notices.law import Jurisdiction

if TYPE_CHECKING:
    from takedown.config import Settings


class LegalCategory(enum.Enum):
    """The kind of material, in neutral words (never a description of the content)."""

    NCII = "ncii"
    COVERT_RECORDING = "covert_recording"
    SYNTHETIC = "synthetic"


_CATEGORY_TEXT = {
    LegalCategory.NCII: m.CATEGORY_NCII,
    LegalCategory.COVERT_RECORDING: m.CATEGORY_COVERT,
    LegalCategory.SYNTHETIC: m.CATEGORY_SYNTHETIC,
}

_SOURCE_TEXT = {
    "site": m.SOURCE_SITE,
    "security.txt": m.SOURCE_SECURITY_TXT,
    "rdap-registrar": m.SOURCE_RDAP_REGISTRAR,
    "rdap-network": m.SOURCE_RDAP_NETWORK,
}

EscalationRole = Literal["host", "network", "registrar"]
_ESCALATION_TEXT: dict[EscalationRole, str] = {
    "host": m.ESCALATION_HOST,
    "network": m.ESCALATION_NETWORK,
    "registrar": m.ESCALATION_REGISTRAR,
}


@dataclass(frozen=True)
class Center:
    """The requesting body, as printed in every notice."""

    name: str
    designation: str
    email: str
    phone: str = ""
    address: str = ""

    @classmethod
    def from_settings(cls, settings: Settings) -> Center:
        return cls(
            name=settings.center_name,
            designation=settings.center_designation,
            email=settings.center_email,
            phone=settings.center_phone,
            address=settings.center_address,
        )


@dataclass(frozen=True)
class ReportedFile:
    """One media file to remove. ``pdq`` is ``None`` for a video or an unhashable file."""

    url: str
    sha256: str
    pdq: str | None = None


@dataclass(frozen=True)
class ReportedPage:
    """A page that shows the content, the files on it, and the evidence that captured it."""

    url: str
    evidence_ref: str
    files: tuple[ReportedFile, ...] = ()


@dataclass(frozen=True)
class NoticeRequest:
    """Everything a notice says. One request per site and case batches its detections."""

    site: str
    case_ref: str
    pages: tuple[ReportedPage, ...]
    center: Center
    jurisdiction: Jurisdiction
    language: str
    now: datetime
    category: LegalCategory = LegalCategory.NCII
    recipient: Contact | None = None
    captured_at: datetime | None = None
    signer: str = ""

    def __post_init__(self) -> None:
        if not self.pages:
            raise ValueError("a notice needs at least one page")
        if self.now.tzinfo is None:
            raise ValueError("now must be timezone-aware")


@dataclass(frozen=True)
class DraftNotice:
    """A drafted e-mail. ``deadline`` is ``None`` when the law says "without delay"."""

    subject: str
    body: str
    language: str
    legal_basis: str
    jurisdiction: str
    deadline: datetime | None
    kind: Literal["initial", "reminder", "escalation"] = "initial"
    in_reply_to: str | None = None
    references: tuple[str, ...] = field(default=())


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _center_text(t: Translator, value: str) -> str:
    # The settings' defaults are in the catalogue; an operator's own wording is printed as is.
    return (
        t.gettext(value)
        if value in (m.DEFAULT_CENTER_NAME, m.DEFAULT_CENTER_DESIGNATION)
        else value
    )


def _content_block(t: Translator, pages: Iterable[ReportedPage]) -> list[str]:
    lines = [t.gettext(m.CONTENT_HEADING)]
    for number, page in enumerate(pages, start=1):
        lines.append(f"{number}. {t.gettext(m.PAGE_LABEL)}: {page.url}")
        lines.append(f"   {t.gettext(m.EVIDENCE_LABEL)}: {page.evidence_ref}")
        for file in page.files:
            lines.append(f"   - {t.gettext(m.FILE_LABEL)}: {file.url}")
            lines.append(f"     SHA-256: {file.sha256}")
            lines.append(f"     PDQ: {file.pdq or t.gettext(m.NOT_AVAILABLE)}")
    return lines


def _render(req: NoticeRequest, t: Translator, opening: list[str]) -> tuple[str, datetime | None]:
    j = req.jurisdiction
    center_name = _center_text(t, req.center.name)
    deadline = req.now + j.deadline if j.deadline is not None else None
    phrase = t.gettext(j.deadline_phrase, domain="law", context=j.code)
    if deadline is not None:
        deadline_line = t.format(
            m.DEADLINE_DATED, deadline_phrase=phrase, deadline=_stamp(deadline)
        )
    else:
        deadline_line = t.format(m.DEADLINE_UNDATED, deadline_phrase=phrase)
    refs = ", ".join(dict.fromkeys(p.evidence_ref for p in req.pages))
    paragraphs: list[str] = [*opening]
    if req.recipient is not None:
        source = t.format(_SOURCE_TEXT[req.recipient.source], url=req.recipient.found_at)
        paragraphs.append(t.format(m.RECIPIENT_LINE, address=req.recipient.address, source=source))
    paragraphs += [
        t.format(m.CATEGORY_LINE, category=t.gettext(_CATEGORY_TEXT[req.category])),
        "\n".join(_content_block(t, req.pages)),
        t.gettext(m.HASH_USE),
        t.format(
            m.EVIDENCE_NOTE,
            evidence_refs=refs,
            captured_at=_stamp(req.captured_at or req.now),
        ),
        t.gettext(j.legal_basis, domain="law", context=j.code),
        *(t.gettext(s, domain="law", context=j.code) for s in j.extra_statements),
        deadline_line,
        t.gettext(m.GOOD_FAITH),
        t.format(m.PRIVACY, case_ref=req.case_ref),
    ]
    contact = [t.gettext(m.CONTACT_HEADING), center_name, _center_text(t, req.center.designation)]
    contact.append(f"{t.gettext(m.EMAIL_LABEL)}: {req.center.email}")
    if req.center.phone:
        contact.append(f"{t.gettext(m.PHONE_LABEL)}: {req.center.phone}")
    if req.center.address:
        contact.append(f"{t.gettext(m.ADDRESS_LABEL)}: {req.center.address}")
    paragraphs.append("\n".join(contact))
    signature = [t.gettext(m.SIGNATURE_INTRO)]
    if req.signer:
        signature.append(req.signer)
    signature += [center_name, f"{t.gettext(m.DATE_LABEL)}: {_stamp(req.now)}"]
    paragraphs.append("\n".join(signature))
    return "\n\n".join(paragraphs) + "\n", deadline


def _values(req: NoticeRequest, t: Translator) -> dict[str, str]:
    return {
        "site": req.site,
        "case_ref": req.case_ref,
        "center_name": _center_text(t, req.center.name),
        "center_designation": _center_text(t, req.center.designation),
    }


def _draft(
    req: NoticeRequest,
    t: Translator,
    subject: str,
    opening: list[str],
    kind: Literal["initial", "reminder", "escalation"] = "initial",
    in_reply_to: str | None = None,
    references: tuple[str, ...] = (),
) -> DraftNotice:
    body, deadline = _render(req, t, opening)
    return DraftNotice(
        subject=subject,
        body=body,
        language=req.language,
        legal_basis=t.gettext(
            req.jurisdiction.legal_basis, domain="law", context=req.jurisdiction.code
        ),
        jurisdiction=req.jurisdiction.code,
        deadline=deadline,
        kind=kind,
        in_reply_to=in_reply_to,
        references=references,
    )


def compose_notice(req: NoticeRequest) -> DraftNotice:
    """The first request to the site."""
    t = Translator(req.language)
    values = _values(req, t)
    opening = [t.format(m.GREETING, **values), t.format(m.INTRO, **values)]
    return _draft(req, t, t.format(m.SUBJECT, **values), opening)


def compose_reminder(
    req: NoticeRequest, *, first_sent_at: datetime, first_message_id: str
) -> DraftNotice:
    """A reminder threaded to the first e-mail (``In-Reply-To``/``References`` its Message-ID)."""
    t = Translator(req.language)
    values = _values(req, t)
    opening = [
        t.format(m.GREETING, **values),
        t.format(m.REMINDER_INTRO, first_sent=_stamp(first_sent_at), **values),
    ]
    return _draft(
        req,
        t,
        t.format(m.SUBJECT_REMINDER, **values),
        opening,
        "reminder",
        in_reply_to=first_message_id,
        references=(first_message_id,),
    )


def compose_escalation(
    req: NoticeRequest,
    *,
    role: EscalationRole,
    first_sent_at: datetime,
    first_message_id: str | None = None,
) -> DraftNotice:
    """A request to the next party up (host, network, registrar) after the site stayed silent."""
    t = Translator(req.language)
    values = _values(req, t)
    opening = [
        t.gettext(m.GREETING_ESCALATION),
        t.format(_ESCALATION_TEXT[role], **values),
        t.format(m.ESCALATION_INTRO, first_sent=_stamp(first_sent_at), **values),
    ]
    return _draft(
        req,
        t,
        t.format(m.SUBJECT_ESCALATION, **values),
        opening,
        "escalation",
        references=(first_message_id,) if first_message_id else (),
    )


class LeakError(ValueError):
    """A draft contains a term that must never appear in a notice (e.g. the case's label)."""


def check_no_leak(draft: DraftNotice, forbidden: Iterable[str]) -> None:
    """Raise :class:`LeakError` if any forbidden term appears in the subject or body.

    The caller passes the case's name/label and any other personal data it holds; an officer's
    later PATCH of the body should be checked again the same way.
    """
    text = f"{draft.subject}\n{draft.body}".casefold()
    for term in forbidden:
        if term.strip() and term.strip().casefold() in text:
            raise LeakError("the draft contains a forbidden term (personal data of the case)")
