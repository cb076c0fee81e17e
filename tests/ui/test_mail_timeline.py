"""The notice page shows the replies and bounces read from the mailbox, an unverified sender as
such, and confirms a reply's class with one click (audited)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from takedown.notices.mailbox.intake import ingest
from takedown.pipeline.runtime import Runtime
from takedown.store.base import utcnow
from takedown.store.tables import MailMessage, Notice
from takedown.web.ui.sample import Seeded
from tests.ui.conftest import audit_actions, csrf_of


def _reply(sender: str, in_reply_to: str, text: str) -> bytes:
    return (
        f"From: {sender}\r\nTo: requests@center.test\r\nSubject: Re: request\r\n"
        f"Message-ID: <r-{abs(hash((sender, text)))}@x.test>\r\nIn-Reply-To: {in_reply_to}\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
    ).encode()


def test_notice_page_shows_replies_and_confirms_a_class(
    ui_runtime: Runtime, seeded: Seeded, client_as: Callable[[str], TestClient]
) -> None:
    rt = ui_runtime
    with rt.db.session() as s:
        n = s.get(Notice, seeded.notice_id)
        assert n is not None
        n.status, n.sent_at, n.message_id = "sent", utcnow(), "<req-1@center.test>"
        n.to = ["abuse@site-zorblat.test"]
    with rt.db.session() as s:
        ingest(
            s,
            rt.services.evidence,
            _reply(
                "abuse@site-zorblat.test",
                "<req-1@center.test>",
                "We cannot remove this content; it does not violate our terms.",
            ),
        )
        ingest(
            s,
            rt.services.evidence,
            _reply("x@forger.test", "<req-1@center.test>", "The content has been removed."),
        )
    officer = client_as("officer")
    page = officer.get(f"/notices/{seeded.notice_id}")
    assert page.status_code == 200
    assert "abuse@site-zorblat.test" in page.text and "x@forger.test" in page.text
    assert page.text.count('class="mail ') == 2 and page.text.count(" unverified") == 1
    assert "does not violate our terms" in page.text  # the reply is shown to the officer
    with rt.db.session() as s:
        refused = s.execute(
            select(MailMessage).where(MailMessage.sender == "abuse@site-zorblat.test")
        ).scalar_one()
        n = s.get(Notice, seeded.notice_id)
        assert n is not None and refused.suggested == "refused"
        assert n.detail["attention"]["class"] == "refused"  # back in the officer's queue
    reply = officer.post(
        f"/notices/{seeded.notice_id}/mail/{refused.id}/confirm",
        data={"kind": "refused", "csrf": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert reply.status_code == 303
    with rt.db.session() as s:
        got = s.get(MailMessage, refused.id)
        assert got is not None and got.confirmed == "refused"
        assert got.confirmed_by == "sample-officer"
    assert [e.data["class"] for e in audit_actions(rt, "mail.confirmed")] == ["refused"]
    # A viewer sees the replies but no confirm button.
    viewer = client_as("viewer").get(f"/notices/{seeded.notice_id}")
    assert "x@forger.test" in viewer.text and "confirm-class" not in viewer.text


def test_dashboard_shows_time_to_removal_per_provider(
    ui_runtime: Runtime, seeded: Seeded, client_as: Callable[[str], TestClient]
) -> None:
    with ui_runtime.db.session() as s:
        n = s.get(Notice, seeded.notice_id)
        assert n is not None
        n.status, n.sent_at = "sent", utcnow()
        site = n.site
    page = client_as("viewer").get("/dashboard")
    assert page.status_code == 200
    section = page.text[page.text.index('id="time-to-removal"') :]
    assert f"<code>{site}</code>" in section
    # Sent, nothing removed, no reply: the site is among the providers that never answered.
    silent = section[section.index('class="never-answered"') :]
    assert f"<code>{site}</code>" in silent


def test_a_form_handed_to_the_officer_shows_the_values_to_copy(
    ui_runtime: Runtime, seeded: Seeded, client_as: Callable[[str], TestClient]
) -> None:
    with ui_runtime.db.session() as s:
        n = s.get(Notice, seeded.notice_id)
        assert n is not None
        n.channel, n.status = "webform", "failed"
        n.detail = {
            "webform": {
                "state": "needs_officer",
                "reason": "a CAPTCHA",
                "url": "https://report.zorblat.test/form",
                "values": [{"field": "#urls", "value": "https://zorblat.test/p/1"}],
                "evidence_key": "notice-1-abcd",
            }
        }
    page = client_as("officer").get(f"/notices/{seeded.notice_id}").text
    card = page[page.index('id="webform"') :]
    assert "a CAPTCHA" in card and "https://report.zorblat.test/form" in card
    assert "<code>#urls</code>" in card and ">https://zorblat.test/p/1</textarea>" in card
