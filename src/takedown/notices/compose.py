"""Drafting deletion requests: the first notice, a threaded reminder, an escalation, a referral.

Pure functions: a :class:`NoticeRequest` in, a :class:`DraftNotice` out. The request carries its
own random reference, never a case number or a person's name; :func:`check_no_leak` lets the
caller make sure of it. Every draft lists, per required element of its law (``law.py``), the text
that carries it, so that :func:`missing_elements` can refuse an edited body that lost one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from takedown.notices import messages as m
from takedown.notices.catalog import Translator
from takedown.notices.contacts.model import Contact
from takedown.notices.law import Jurisdiction, LegalCategory

if TYPE_CHECKING:
    from takedown.config import Settings

__all__ = [
    "GAP_CLOSE",
    "GAP_OPEN",
    "Center",
    "DraftNotice",
    "EscalationRole",
    "LeakError",
    "LegalCategory",
    "NoticeRequest",
    "ReportedFile",
    "ReportedPage",
    "check_no_leak",
    "compose_escalation",
    "compose_notice",
    "compose_referral",
    "compose_reminder",
    "missing_elements",
]

# A gap the officer must fill before approval (e.g. an EU Member State's offence not on file).
GAP_OPEN, GAP_CLOSE = "⟦", "⟧"

_CATEGORY_TEXT = {
    LegalCategory.NCII: m.CATEGORY_NCII,
    LegalCategory.COVERT_RECORDING: m.CATEGORY_COVERT,
    LegalCategory.SYNTHETIC: m.CATEGORY_SYNTHETIC,
    LegalCategory.CSEM: m.CATEGORY_CSEM,
}

_SOURCE_TEXT = {
    "site": m.SOURCE_SITE,
    "security.txt": m.SOURCE_SECURITY_TXT,
    "rdap-registrar": m.SOURCE_RDAP_REGISTRAR,
    "rdap-network": m.SOURCE_RDAP_NETWORK,
    "whois-registrar": m.SOURCE_WHOIS_REGISTRAR,
    "whois-network": m.SOURCE_WHOIS_NETWORK,
    "cdn": m.SOURCE_CDN,
    "manual": m.SOURCE_MANUAL,
}

EscalationRole = Literal["host", "network", "registrar", "cdn"]
_ESCALATION_TEXT: dict[EscalationRole, str] = {
    "host": m.ESCALATION_HOST,
    "network": m.ESCALATION_NETWORK,
    "registrar": m.ESCALATION_REGISTRAR,
    "cdn": m.ESCALATION_CDN,
}
Kind = Literal["initial", "reminder", "escalation", "referral"]


@dataclass(frozen=True)
class Center:
    """The requesting body, as printed in every notice.

    ``names``/``designations`` give the center's own wording per language (the signature is in
    the notice's language); without one the operator's ``name`` is printed as it is.
    """

    name: str
    designation: str
    email: str
    phone: str = ""
    address: str = ""
    signer: str = ""
    names: Mapping[str, str] = field(default_factory=dict)
    designations: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings) -> Center:
        return cls(
            name=settings.center_name,
            designation=settings.center_designation,
            email=settings.center_email,
            phone=settings.center_phone,
            address=settings.center_address,
            signer=settings.center_signer,
            names=dict(settings.center_name_translations),
            designations=dict(settings.center_designation_translations),
        )

    def name_in(self, language: str) -> str:
        return self.names.get(language, self.name)

    def designation_in(self, language: str) -> str:
        return self.designations.get(language, self.designation)


@dataclass(frozen=True)
class ReportedFile:
    """One media file to remove. ``pdq`` is ``None`` for a video or an unhashable file."""

    url: str
    sha256: str
    pdq: str | None = None


@dataclass(frozen=True)
class ReportedPage:
    """A page that shows the content, the files on it, and the evidence that captured it.

    ``evidence_ref``/``captured_at`` are the capture's own; a page whose capture failed has
    neither and says so (``seen_at`` is when the content was seen there).
    """

    url: str
    evidence_ref: str | None
    captured_at: datetime | None = None
    files: tuple[ReportedFile, ...] = ()
    seen_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.evidence_ref is not None and self.captured_at is None:
            raise ValueError(f"evidence {self.evidence_ref} has no capture time")
        if self.evidence_ref is None and self.seen_at is None:
            raise ValueError(f"page {self.url} has neither evidence nor a time it was seen")


@dataclass(frozen=True)
class NoticeRequest:
    """Everything a notice says. One request per site and case batches its detections."""

    site: str
    reference: str
    pages: tuple[ReportedPage, ...]
    center: Center
    jurisdiction: Jurisdiction
    language: str
    now: datetime
    category: LegalCategory = LegalCategory.NCII
    recipient: Contact | None = None
    site_timezone: str = "UTC"
    # The site's country (ccTLD or registrar), for the national offence of an EU Member State.
    country: str | None = None

    def __post_init__(self) -> None:
        if not self.pages:
            raise ValueError("a notice needs at least one page")
        if self.now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        if not self.reference.strip():
            raise ValueError("a notice needs its own reference")


@dataclass(frozen=True)
class DraftNotice:
    """A drafted e-mail. ``deadline`` is ``None`` when the law says "without delay".

    ``elements`` maps each required element's name to the texts that carry it in ``body``.
    """

    subject: str
    body: str
    language: str
    legal_basis: str
    jurisdiction: str
    deadline: datetime | None
    kind: Kind = "initial"
    in_reply_to: str | None = None
    references: tuple[str, ...] = field(default=())
    elements: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    reference: str = ""


def stamp_utc(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def stamp_local(when: datetime, zone: str) -> str:
    try:
        local = when.astimezone(ZoneInfo(zone))
    except (ZoneInfoNotFoundError, ValueError):
        return stamp_utc(when)
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} UTC{offset[:3]}:{offset[3:]} {zone}"


class _Body:
    """Paragraphs and, per element, the texts that carry it."""

    def __init__(self) -> None:
        self.paragraphs: list[str] = []
        self.parts: dict[str, list[str]] = {}

    def add(self, text: str, *elements: str) -> None:
        self.paragraphs.append(text)
        for name in elements:
            self.parts.setdefault(name, []).append(text)

    def mark(self, element: str, *needles: str) -> None:
        self.parts.setdefault(element, []).extend(n for n in needles if n)


def _law(t: Translator, j: Jurisdiction, msgid: str) -> str:
    return t.gettext(msgid, domain="law", context=j.code)


def _content(req: NoticeRequest, t: Translator, body: _Body) -> None:
    lines = [t.gettext(m.CONTENT_HEADING)]
    for number, page in enumerate(req.pages, start=1):
        lines.append(f"{number}. {t.gettext(m.PAGE_LABEL)}: {page.url}")
        body.mark("urls", page.url)
        if page.evidence_ref is not None and page.captured_at is not None:
            line = t.format(
                m.CAPTURED,
                evidence_ref=page.evidence_ref,
                captured_utc=stamp_utc(page.captured_at),
                captured_local=stamp_local(page.captured_at, req.site_timezone),
            )
        else:
            seen = page.seen_at or req.now
            line = t.format(
                m.NOT_CAPTURED,
                seen_utc=stamp_utc(seen),
                seen_local=stamp_local(seen, req.site_timezone),
            )
        lines.append(f"   {t.gettext(m.EVIDENCE_LABEL)}: {line}")
        body.mark("evidence", line)
        for file in page.files:
            lines.append(f"   - {t.gettext(m.FILE_LABEL)}: {file.url}")
            lines.append(f"     SHA-256: {file.sha256}")
            lines.append(f"     PDQ: {file.pdq or t.gettext(m.NOT_AVAILABLE)}")
            body.mark("urls", file.url)
            body.mark("hashes", file.sha256, file.pdq or "")
        if not page.files:
            # A page reported for its text (a keyword hit) lists no file, so "the hash of each
            # file" holds vacuously; its element text is the page's URL line, which an edit
            # must keep.
            body.mark("hashes", page.url)
    body.add("\n".join(lines))


def _basis(req: NoticeRequest, t: Translator) -> str:
    j = req.jurisdiction
    text = _law(t, j, j.basis_for(req.category))
    if "{offence}" in text:
        offence = j.offences.get((req.country or "").lower())
        filled = (
            _law(t, j, offence)
            if offence
            else f"{GAP_OPEN}OFFICER: name the offence under the law of the hosting Member State "
            f"({(req.country or 'unknown').upper()}){GAP_CLOSE}"
        )
        text = text.replace("{offence}", filled)
    return text


def _render(req: NoticeRequest, t: Translator, opening: list[str]) -> tuple[_Body, datetime | None]:
    j = req.jurisdiction
    minor = req.category is LegalCategory.CSEM
    lang = req.language
    body = _Body()
    for text in opening:
        body.add(text)
    if req.recipient is not None:
        source = t.format(
            _SOURCE_TEXT.get(req.recipient.source, m.SOURCE_MANUAL), url=req.recipient.found_at
        )
        body.add(
            t.format(m.RECIPIENT_LINE, address=req.recipient.address, source=source), "recipient"
        )
    body.add(
        t.format(m.CATEGORY_LINE, category=t.gettext(_CATEGORY_TEXT[req.category])), "category"
    )
    _content(req, t, body)
    if any(page.files for page in req.pages):  # never a sentence about files that are not listed
        body.add(t.gettext(m.HASH_USE))
    body.add(t.gettext(m.EVIDENCE_NOTE), "evidence")
    body.add(_law(t, j, j.legal_basis), "legal_basis")
    body.add(_basis(req, t), j.basis_element)
    for statement in j.statements:
        body.add(_law(t, j, statement.text), statement.element)
    deadline = None if minor or j.deadline is None else req.now + j.deadline
    phrase = _law(t, j, j.minor.deadline_phrase if minor else j.deadline_phrase)
    if deadline is not None:
        body.add(
            t.format(m.DEADLINE_DATED, deadline_phrase=phrase, deadline=stamp_utc(deadline)),
            "deadline",
        )
    else:
        body.add(t.format(m.DEADLINE_UNDATED, deadline_phrase=phrase), "deadline")
    body.add(t.gettext(m.GOOD_FAITH_MINOR if minor else m.GOOD_FAITH), "good_faith")
    body.add(t.format(m.REFERENCE, reference=req.reference), "reference")
    body.add(t.gettext(m.NO_FORWARD), "no_forward")
    center_name, designation = req.center.name_in(lang), req.center.designation_in(lang)
    contact = [t.gettext(m.CONTACT_HEADING), center_name, designation]
    email_line = f"{t.gettext(m.EMAIL_LABEL)}: {req.center.email}"
    contact.append(email_line)
    if req.center.phone:
        contact.append(f"{t.gettext(m.PHONE_LABEL)}: {req.center.phone}")
    if req.center.address:
        contact.append(f"{t.gettext(m.ADDRESS_LABEL)}: {req.center.address}")
    body.add("\n".join(contact))
    body.mark("center_identity", center_name, designation)
    if req.center.email:
        body.mark("contact", email_line)
    intro = t.gettext(m.SIGNATURE_INTRO_MINOR if minor else m.SIGNATURE_INTRO)
    signature = [intro]
    if req.center.signer:
        signature.append(req.center.signer)
    signature += [center_name, f"{t.gettext(m.DATE_LABEL)}: {stamp_utc(req.now)}"]
    body.add("\n".join(signature))
    if req.center.signer:
        body.mark("signature", intro, req.center.signer)
    return body, deadline


def _elements(j: Jurisdiction, body: _Body) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for spec in j.required:
        carriers = spec.carried_by or (spec.name,)
        needles = [n for c in carriers for n in body.parts.get(c, ())]
        if needles and all(body.parts.get(c) for c in carriers):
            out[spec.name] = tuple(dict.fromkeys(needles))
    return out


def _values(req: NoticeRequest) -> dict[str, str]:
    return {
        "site": req.site,
        "reference": req.reference,
        "center_name": req.center.name_in(req.language),
        "center_designation": req.center.designation_in(req.language),
    }


def _draft(
    req: NoticeRequest,
    t: Translator,
    subject: str,
    opening: list[str],
    kind: Kind = "initial",
    in_reply_to: str | None = None,
    references: tuple[str, ...] = (),
) -> DraftNotice:
    body, deadline = _render(req, t, opening)
    return DraftNotice(
        subject=subject,
        body="\n\n".join(body.paragraphs) + "\n",
        language=req.language,
        legal_basis=_law(t, req.jurisdiction, req.jurisdiction.legal_basis),
        jurisdiction=req.jurisdiction.code,
        deadline=deadline,
        kind=kind,
        in_reply_to=in_reply_to,
        references=references,
        elements=_elements(req.jurisdiction, body),
        reference=req.reference,
    )


def compose_notice(req: NoticeRequest) -> DraftNotice:
    """The first request to the site."""
    t = Translator(req.language)
    values = _values(req)
    opening = [t.format(m.GREETING, **values), t.format(m.INTRO, **values)]
    subject = m.SUBJECT_MINOR if req.category is LegalCategory.CSEM else m.SUBJECT
    return _draft(req, t, t.format(subject, **values), opening)


def compose_reminder(
    req: NoticeRequest, *, first_sent_at: datetime, first_message_id: str
) -> DraftNotice:
    """A reminder threaded to the first e-mail (``In-Reply-To``/``References`` its Message-ID)."""
    t = Translator(req.language)
    values = _values(req)
    opening = [
        t.format(m.GREETING, **values),
        t.format(m.REMINDER_INTRO, first_sent=stamp_utc(first_sent_at), **values),
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
    """A request to the next party up (host, network, CDN, registrar) after the site stayed
    silent; ``req.recipient`` is that party's own address, and the body says where it came from."""
    t = Translator(req.language)
    values = _values(req)
    opening = [
        t.gettext(m.GREETING_ESCALATION),
        t.format(_ESCALATION_TEXT[role], **values),
        t.format(m.ESCALATION_INTRO, first_sent=stamp_utc(first_sent_at), **values),
    ]
    return _draft(
        req,
        t,
        t.format(m.SUBJECT_ESCALATION, **values),
        opening,
        "escalation",
        references=(first_message_id,) if first_message_id else (),
    )


def compose_referral(
    req: NoticeRequest, *, first_sent_at: datetime, last_checked_at: datetime
) -> DraftNotice:
    """A referral to the Korea Communications Standards Commission (KCSC) for deliberation and a
    correction (blocking) order, drafted after the escalation period for the officer to approve.
    The evidence bundle of each listed page goes with it."""
    if req.jurisdiction.code != "kr":
        raise ValueError("a KCSC referral is drafted only under Korean law")
    t = Translator(req.language)
    values = _values(req)
    opening = [
        t.gettext(m.REFERRAL_GREETING),
        t.format(m.REFERRAL_INTRO, **values),
        t.format(
            m.REFERRAL_HISTORY,
            first_sent=stamp_utc(first_sent_at),
            last_checked=stamp_utc(last_checked_at),
        ),
        t.gettext(m.REFERRAL_BUNDLE),
    ]
    return _draft(req, t, t.format(m.SUBJECT_REFERRAL, **values), opening, "referral")


def missing_elements(
    jurisdiction: Jurisdiction, elements: Mapping[str, Iterable[str]], body: str
) -> list[str]:
    """Why the body cannot be approved: each required element that has no text or whose text is
    no longer in ``body`` (an officer's edit removed it), and any gap left for the officer."""
    reasons = []
    for spec in jurisdiction.required:
        needles = list(elements.get(spec.name, ()))
        if not needles:
            reasons.append(f"missing element {spec.name} ({spec.requirement})")
        elif any(n not in body for n in needles):
            reasons.append(
                f"element {spec.name} ({spec.requirement}) was changed or removed: "
                "re-render or restore it"
            )
    if GAP_OPEN in body or GAP_CLOSE in body:
        reasons.append(f"the body still has a gap to fill ({GAP_OPEN}...{GAP_CLOSE})")
    return reasons


class LeakError(ValueError):
    """A draft contains a term that must never appear in a notice (e.g. the case's label)."""


def check_no_leak(draft: DraftNotice, forbidden: Iterable[str]) -> None:
    """Raise :class:`LeakError` if any forbidden term appears in the subject or body.

    The caller passes the case's name/label, its sequential number and any other personal data
    it holds; an officer's later edit of the body is checked again the same way.
    """
    text = f"{draft.subject}\n{draft.body}".casefold()
    for term in forbidden:
        if term.strip() and term.strip().casefold() in text:
            raise LeakError("the draft contains a forbidden term (personal data of the case)")
