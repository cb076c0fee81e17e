"""The meta-test: every template, in every language, for every jurisdiction, holds every element
its law requires, and never a victim's name or an unfilled placeholder."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from takedown.config import Settings
from takedown.notices import messages as m
from takedown.notices.catalog import SUPPORTED_LANGUAGES, Translator
from takedown.notices.compose import (
    Center,
    DraftNotice,
    LeakError,
    LegalCategory,
    NoticeRequest,
    ReportedFile,
    ReportedPage,
    check_no_leak,
    compose_escalation,
    compose_notice,
    compose_reminder,
)
from takedown.notices.contacts.model import Contact
from takedown.notices.law import JURISDICTIONS, Element, Jurisdiction

NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
FIRST_SENT = NOW - timedelta(days=1)
FIRST_ID = "<first.1@center.test>"
# A made-up label the case holds; it must never reach a notice.
CASE_LABEL = "Quillon Marrowby"

CENTER = Center(
    name="Harbor City Support Office",
    designation="designated reporting body no. 7",
    email="requests@center.test",
    phone="+82-2-555-0100",
    address="1 Example-ro, Seoul",
)
PAGES = (
    ReportedPage(
        url="https://board.example.test/view/100?x=1",
        evidence_ref="EV-2026-000101",
        files=(
            ReportedFile(
                "https://cdn.example.test/a/1.jpg",
                "0f" * 32,
                "a1" * 32,
            ),
            ReportedFile("https://cdn.example.test/a/2.mp4", "1e" * 32, None),
        ),
    ),
    ReportedPage(
        url="https://board.example.test/view/101",
        evidence_ref="EV-2026-000102",
        files=(ReportedFile("https://cdn.example.test/a/3.png", "2d" * 32, "b2" * 32),),
    ),
)


def _request(lang: str, j: Jurisdiction, **changes: object) -> NoticeRequest:
    req = NoticeRequest(
        site="board.example.test",
        case_ref="C-2026-0042",
        pages=PAGES,
        center=CENTER,
        jurisdiction=j,
        language=lang,
        now=NOW,
        category=LegalCategory.NCII,
        recipient=Contact("abuse@example.test", "site", "https://board.example.test/contact"),
        signer="Officer 12",
    )
    return replace(req, **changes)  # type: ignore[arg-type]


VARIANTS: dict[str, Callable[[NoticeRequest], DraftNotice]] = {
    "initial": compose_notice,
    "reminder": lambda r: compose_reminder(r, first_sent_at=FIRST_SENT, first_message_id=FIRST_ID),
    "escalation-network": lambda r: compose_escalation(r, role="network", first_sent_at=FIRST_SENT),
    "escalation-registrar": lambda r: compose_escalation(
        r, role="registrar", first_sent_at=FIRST_SENT, first_message_id=FIRST_ID
    ),
}


def _law(t: Translator, j: Jurisdiction, msgid: str) -> str:
    return t.gettext(msgid, domain="law", context=j.code)


def _checks(t: Translator, j: Jurisdiction, draft: DraftNotice) -> dict[Element, list[str]]:
    """For each element, the strings the body must contain."""
    files = [f for p in PAGES for f in p.files]
    return {
        Element.URLS: [p.url for p in PAGES] + [f.url for f in files],
        Element.HASHES: [f.sha256 for f in files] + [f.pdq for f in files if f.pdq],
        Element.EVIDENCE_REF: [p.evidence_ref for p in PAGES],
        Element.LEGAL_CATEGORY: [t.gettext(m.CATEGORY_NCII)],
        Element.LEGAL_BASIS: [_law(t, j, j.legal_basis)],
        Element.CENTER_IDENTITY: [CENTER.name, CENTER.designation],
        Element.CONTACT: [CENTER.email, CENTER.phone, CENTER.address],
        Element.GOOD_FAITH: [t.gettext(m.GOOD_FAITH)],
        Element.ACCURACY: [_law(t, j, s) for s in j.extra_statements],
        Element.EXPLANATION: [_law(t, j, s) for s in j.extra_statements],
        Element.DEADLINE: [_law(t, j, j.deadline_phrase)]
        + ([draft.deadline.strftime("%Y-%m-%d %H:%M UTC")] if draft.deadline else []),
        Element.SIGNATURE: [t.gettext(m.SIGNATURE_INTRO), "Officer 12"],
    }


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("code", sorted(JURISDICTIONS))
@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_every_template_holds_every_required_element(lang: str, code: str, variant: str) -> None:
    j = JURISDICTIONS[code]
    draft = VARIANTS[variant](_request(lang, j))
    t = Translator(lang)
    checks = _checks(t, j, draft)
    missing_checker = j.required - set(checks)
    assert not missing_checker, f"no check written for {missing_checker}"
    for element in j.required:
        for needle in checks[element]:
            assert needle in draft.body, f"{lang}/{code}/{variant}: {element.value}: {needle!r}"
    assert draft.legal_basis == _law(t, j, j.legal_basis)
    assert draft.language == lang and draft.jurisdiction == code
    # Nothing unfilled, nothing about the person.
    for text in (draft.subject, draft.body):
        assert not re.search(r"\{[a-z_]*\}", text), text
        assert "victim" not in text.lower()
    assert "C-2026-0042" in draft.subject
    check_no_leak(draft, [CASE_LABEL])
    # The recipient line says where the address came from.
    assert "abuse@example.test" in draft.body
    assert "https://board.example.test/contact" in draft.body


def test_deadlines_follow_the_law() -> None:
    us = compose_notice(_request("en", JURISDICTIONS["us"]))
    assert us.deadline == NOW + timedelta(hours=48)
    assert "2026-11-23 09:30 UTC" in us.body
    kr = compose_notice(_request("ko", JURISDICTIONS["kr"]))
    assert kr.deadline is None
    assert "지체 없이" in kr.body
    assert "전기통신사업법 제22조의5" in kr.legal_basis


def test_reminder_is_threaded_and_escalation_names_the_role() -> None:
    reminder = compose_reminder(
        _request("en", JURISDICTIONS["intl"]), first_sent_at=FIRST_SENT, first_message_id=FIRST_ID
    )
    assert reminder.kind == "reminder"
    assert reminder.in_reply_to == FIRST_ID and reminder.references == (FIRST_ID,)
    assert "2026-11-20 09:30 UTC" in reminder.body
    escalation = compose_escalation(
        _request("en", JURISDICTIONS["intl"]), role="registrar", first_sent_at=FIRST_SENT
    )
    assert escalation.kind == "escalation"
    assert "registrar of the domain board.example.test" in escalation.body
    assert escalation.in_reply_to is None


def test_default_center_identity_is_translated() -> None:
    center = Center.from_settings(Settings())
    draft = compose_notice(_request("ko", JURISDICTIONS["kr"], center=center))
    assert "디지털성범죄피해자지원센터" in draft.body
    assert "Digital Sex Crime" not in draft.body
    assert Translator("ko").gettext(m.DEFAULT_CENTER_DESIGNATION) in draft.body


@pytest.mark.parametrize("category", list(LegalCategory))
def test_every_category_is_neutral_and_translated(category: LegalCategory) -> None:
    draft = compose_notice(_request("ja", JURISDICTIONS["jp"], category=category))
    english = compose_notice(_request("en", JURISDICTIONS["jp"], category=category))
    assert "without that person's consent" in english.body
    assert "consent" not in draft.body


def test_leak_check_catches_an_edited_body() -> None:
    draft = compose_notice(_request("en", JURISDICTIONS["us"]))
    edited = replace(draft, body=draft.body + f"\nOn behalf of {CASE_LABEL}\n")
    with pytest.raises(LeakError):
        check_no_leak(edited, [CASE_LABEL.upper()])


def test_bad_requests_are_refused() -> None:
    with pytest.raises(ValueError, match="at least one page"):
        _request("en", JURISDICTIONS["us"], pages=())
    with pytest.raises(ValueError, match="timezone"):
        _request("en", JURISDICTIONS["us"], now=datetime(2026, 1, 1))
