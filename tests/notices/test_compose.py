"""The meta-test: every template, in every language, for every jurisdiction, holds every element
its law requires (checked by name, against text the test derives itself), and a body that lost
any one of them cannot be approved."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

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
    compose_referral,
    compose_reminder,
    missing_elements,
    stamp_local,
    stamp_utc,
)
from takedown.notices.contacts.model import Contact
from takedown.notices.law import JURISDICTIONS, Jurisdiction

NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
CAPTURED = datetime(2026, 11, 19, 23, 5, tzinfo=UTC)  # well before drafting: it must print
FIRST_SENT = NOW - timedelta(days=1)
FIRST_ID = "<first.1@center.test>"
# A made-up label the case holds; it must never reach a notice.
CASE_LABEL = "Quillon Marrowby"
REFERENCE = "TDR-7KQM-P2XZ-H9TD"

CENTER = Center(
    name="Harbor City Support Office",
    designation="designated reporting body no. 7",
    email="requests@center.test",
    phone="+82-2-555-0100",
    address="1 Example-ro, Seoul",
    signer="Officer 12, Requests Desk",
)
PAGES = (
    ReportedPage(
        url="https://board.example.test/view/100?x=1",
        evidence_ref="EV-2026-000101",
        captured_at=CAPTURED,
        files=(
            ReportedFile("https://cdn.example.test/a/1.jpg", "0f" * 32, "a1" * 32),
            ReportedFile("https://cdn.example.test/a/2.mp4", "1e" * 32, None),
        ),
    ),
    ReportedPage(
        url="https://board.example.test/view/101",
        evidence_ref=None,  # the capture failed: said so, never "preserved"
        seen_at=CAPTURED - timedelta(hours=3),
        files=(ReportedFile("https://cdn.example.test/a/3.png", "2d" * 32, "b2" * 32),),
    ),
)
RECIPIENT = Contact("abuse@example.test", "site", "https://board.example.test/contact")


def _request(lang: str, j: Jurisdiction, **changes: object) -> NoticeRequest:
    req = NoticeRequest(
        site="board.example.test",
        reference=REFERENCE,
        pages=PAGES,
        center=CENTER,
        jurisdiction=j,
        language=lang,
        now=NOW,
        category=LegalCategory.NCII,
        recipient=RECIPIENT,
        site_timezone=j.timezone,
        country="de" if j.code == "eu" else None,
    )
    return replace(req, **changes)  # type: ignore[arg-type]


VARIANTS: dict[str, Callable[[NoticeRequest], DraftNotice]] = {
    "initial": compose_notice,
    "reminder": lambda r: compose_reminder(r, first_sent_at=FIRST_SENT, first_message_id=FIRST_ID),
    "escalation-network": lambda r: compose_escalation(r, role="network", first_sent_at=FIRST_SENT),
    "escalation-cdn": lambda r: compose_escalation(r, role="cdn", first_sent_at=FIRST_SENT),
    "escalation-registrar": lambda r: compose_escalation(
        r, role="registrar", first_sent_at=FIRST_SENT, first_message_id=FIRST_ID
    ),
}


def _law(t: Translator, j: Jurisdiction, msgid: str) -> str:
    return t.gettext(msgid, domain="law", context=j.code)


def expected(t: Translator, j: Jurisdiction, req: NoticeRequest) -> dict[str, list[str]]:
    """For each element by name, the strings the body must contain: derived here from the
    catalogues and the request, not read back from the composer."""
    files = [f for p in req.pages for f in p.files]
    minor = req.category is LegalCategory.CSEM
    deadline_phrase = _law(t, j, j.minor.deadline_phrase if minor else j.deadline_phrase)
    basis = _law(t, j, j.basis_for(req.category))
    if "{offence}" in basis:
        basis = basis.replace("{offence}", _law(t, j, j.offences["de"]))
    out: dict[str, list[str]] = {
        "recipient": [RECIPIENT.address, RECIPIENT.found_at],
        "category": [t.gettext(m.CATEGORY_CSEM if minor else m.CATEGORY_NCII)],
        "urls": [p.url for p in req.pages] + [f.url for f in files],
        "hashes": [f.sha256 for f in files] + [f.pdq for f in files if f.pdq],
        "evidence": [
            "EV-2026-000101",
            stamp_utc(CAPTURED),
            stamp_local(CAPTURED, j.timezone),
            t.gettext(m.EVIDENCE_NOTE),
            stamp_utc(CAPTURED - timedelta(hours=3)),
        ],
        "legal_basis": [_law(t, j, j.legal_basis)],
        "deadline": [deadline_phrase],
        "good_faith": [t.gettext(m.GOOD_FAITH_MINOR if minor else m.GOOD_FAITH)],
        "reference": [REFERENCE],
        "no_forward": [t.gettext(m.NO_FORWARD)],
        "center_identity": [CENTER.name, CENTER.designation],
        "contact": [CENTER.email],
        "signature": [
            t.gettext(m.SIGNATURE_INTRO_MINOR if minor else m.SIGNATURE_INTRO),
            CENTER.signer,
        ],
        j.basis_element: [basis],
    }
    for statement in j.statements:
        out[statement.element] = [_law(t, j, statement.text)]
    for spec in j.elements:
        if spec.carried_by:
            out[spec.name] = [n for c in spec.carried_by for n in out[c]]
    return out


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("code", sorted(JURISDICTIONS))
@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_every_template_holds_every_required_element(lang: str, code: str, variant: str) -> None:
    j = JURISDICTIONS[code]
    req = _request(lang, j)
    draft = VARIANTS[variant](req)
    t = Translator(lang)
    want = expected(t, j, req)
    for spec in j.required:
        assert spec.name in want, f"no check written for {spec.name}"
        assert spec.name in draft.elements, f"{lang}/{code}/{variant}: {spec.name} not carried"
        for needle in want[spec.name]:
            assert needle in draft.body, f"{lang}/{code}/{variant}: {spec.name}: {needle!r}"
    assert missing_elements(j, draft.elements, draft.body) == []
    assert draft.legal_basis == _law(t, j, j.legal_basis)
    assert draft.language == lang and draft.jurisdiction == code
    for text in (draft.subject, draft.body):
        assert not re.search(r"\{[a-z_]*\}", text), text
        assert "victim" not in text.lower()
    assert REFERENCE in draft.subject
    check_no_leak(draft, [CASE_LABEL])
    if lang != "en":  # translated, not English with a translated frame
        assert t.gettext(m.NO_FORWARD) != m.NO_FORWARD
        assert m.NO_FORWARD not in draft.body


@pytest.mark.parametrize("code", sorted(JURISDICTIONS))
@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_a_body_missing_any_element_cannot_be_approved(lang: str, code: str) -> None:
    j = JURISDICTIONS[code]
    draft = compose_notice(_request(lang, j))
    for spec in j.required:
        body = draft.body
        for needle in draft.elements[spec.name]:
            body = body.replace(needle, "")
        reasons = missing_elements(j, draft.elements, body)
        assert any(spec.name in r for r in reasons), (lang, code, spec.name, reasons)
    # An element the composer could not fill (no signer, no recipient) is missing by name.
    bare = compose_notice(_request(lang, j, center=replace(CENTER, signer=""), recipient=None))
    reasons = " ".join(missing_elements(j, bare.elements, bare.body))
    assert "missing element signature" in reasons and "missing element recipient" in reasons


def test_capture_time_is_the_evidence_own_in_utc_and_site_time() -> None:
    draft = compose_notice(_request("en", JURISDICTIONS["kr"], site_timezone="Asia/Seoul"))
    assert "captured on 2026-11-19 23:05 UTC (2026-11-20 08:05 UTC+09:00 Asia/Seoul" in draft.body
    assert stamp_utc(NOW) not in draft.body.split("Date:")[0]  # drafting time only at the date
    # The failed capture is not "preserved".
    line = next(x for x in draft.body.splitlines() if "view/101" in x)
    nxt = draft.body.splitlines()[draft.body.splitlines().index(line) + 1]
    assert "no evidence copy could be made" in nxt and "preserved" not in nxt
    with pytest.raises(ValueError, match="capture time"):
        ReportedPage("https://x.test/", "EV-1", None)


def test_deadlines_follow_the_law() -> None:
    us = compose_notice(_request("en", JURISDICTIONS["us"]))
    assert us.deadline == NOW + timedelta(hours=48)
    assert "2026-11-23 09:30 UTC" in us.body
    kr = compose_notice(_request("ko", JURISDICTIONS["kr"]))
    assert kr.deadline is None and "지체 없이" in kr.body
    assert "전기통신사업법」 제22조의5제1항" in kr.legal_basis
    # Japan's Art. 4 is an objection period after the provider asks the sender: no date.
    jp = compose_notice(_request("ja", JURISDICTIONS["jp"]))
    assert jp.deadline is None
    assert "発信者への照会から2日以内" in jp.body and "お願い" in jp.body


@pytest.mark.parametrize("code", sorted(JURISDICTIONS))
def test_a_confirmed_minor_takes_the_exploitation_route(code: str) -> None:
    j = JURISDICTIONS[code]
    draft = compose_notice(_request("en", j, category=LegalCategory.CSEM))
    assert draft.deadline is None
    assert j.minor.deadline_phrase in draft.body
    assert j.basis_for(LegalCategory.CSEM) in draft.body
    assert m.GOOD_FAITH not in draft.body  # no consent statement: consent is irrelevant
    assert "appears to depict a minor" in draft.subject
    if code == "kr":
        assert "Youth against Sex Offenses" in draft.body and "whatever the consent" in draft.body


def test_escalation_names_its_own_recipient_and_why() -> None:
    registrar = Contact("abuse@registrar.test", "rdap-registrar", "https://rdap.test/domain/x")
    draft = compose_escalation(
        _request("en", JURISDICTIONS["intl"], recipient=registrar),
        role="registrar",
        first_sent_at=FIRST_SENT,
    )
    assert (
        "This request is addressed to abuse@registrar.test: the abuse contact of the domain's registrar"
        in draft.body
    )
    assert "registrar of the domain board.example.test" in draft.body
    assert RECIPIENT.address not in draft.body
    assert draft.kind == "escalation" and draft.in_reply_to is None


def test_reminder_is_threaded() -> None:
    reminder = compose_reminder(
        _request("en", JURISDICTIONS["intl"]), first_sent_at=FIRST_SENT, first_message_id=FIRST_ID
    )
    assert reminder.in_reply_to == FIRST_ID and reminder.references == (FIRST_ID,)
    assert "2026-11-20 09:30 UTC" in reminder.body


def test_signature_is_in_the_notice_language() -> None:
    center = replace(
        CENTER, names={"ko": "하버시티 지원사무소"}, designations={"ko": "지정 기관 제7호"}
    )
    draft = compose_notice(_request("ko", JURISDICTIONS["kr"], center=center))
    signature = draft.body.rsplit("\n\n", 1)[1]
    assert "하버시티 지원사무소" in signature and "Harbor City" not in draft.body
    assert Translator("ko").gettext(m.SIGNATURE_INTRO) in signature


def test_eu_without_the_member_state_offence_leaves_a_gap_the_officer_fills() -> None:
    j = JURISDICTIONS["eu"]
    draft = compose_notice(_request("en", j, country="lu"))
    reasons = missing_elements(j, draft.elements, draft.body)
    assert any("gap" in r for r in reasons)
    assert "(LU)" in draft.body


def test_referral_to_the_korean_regulator() -> None:
    draft = compose_referral(
        _request("ko", JURISDICTIONS["kr"]), first_sent_at=FIRST_SENT, last_checked_at=NOW
    )
    assert draft.kind == "referral"
    assert draft.body.startswith("방송통신심의위원회 귀중")
    assert "시정요구" in draft.body and "EV-2026-000101" in draft.body
    with pytest.raises(ValueError, match="Korean law"):
        compose_referral(
            _request("en", JURISDICTIONS["us"]), first_sent_at=FIRST_SENT, last_checked_at=NOW
        )


@pytest.mark.parametrize("category", [c for c in LegalCategory if c is not LegalCategory.CSEM])
def test_every_category_is_neutral_and_translated(category: LegalCategory) -> None:
    draft = compose_notice(_request("ja", JURISDICTIONS["jp"], category=category))
    english = compose_notice(_request("en", JURISDICTIONS["jp"], category=category))
    assert "sexual images or videos" in english.body
    assert "consent" not in draft.body and "性的な画像" in draft.body


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
    with pytest.raises(ValueError, match="reference"):
        _request("en", JURISDICTIONS["us"], reference=" ")


@pytest.mark.parametrize("code", sorted(JURISDICTIONS))
def test_a_page_reported_for_its_text_alone_can_be_approved(code: str) -> None:
    """A keyword hit's page lists no file: "the hash of each file" holds with nothing to list,
    so the draft is approvable, and an edit that drops the page's URL is still refused."""
    j = JURISDICTIONS[code]
    text_page = ReportedPage(
        url="https://board.example.test/view/202",
        evidence_ref="EV-2026-000202",
        captured_at=CAPTURED,
    )
    draft = compose_notice(_request("en", j, pages=(text_page,)))
    assert "     SHA-256: " not in draft.body  # no file line
    assert Translator("en").gettext(m.HASH_USE) not in draft.body  # nor a word about files
    assert missing_elements(j, draft.elements, draft.body) == []
    cut = draft.body.replace(text_page.url, "")
    assert any("hashes" in r or "urls" in r for r in missing_elements(j, draft.elements, cut))
