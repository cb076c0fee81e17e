"""The review UI in headless Chromium against a real server: blurred previews, an audited
reveal that blurs again, editing and approving a notice that reaches an SMTP server, and a
viewer who cannot approve."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Dialog
from sqlalchemy import select

from takedown.pipeline.runtime import Runtime
from takedown.store.tables import AuditEvent, Notice
from tests.support.contacts import cache_contacts
from tests.support.uiserver import ServedUi, served_ui
from tests.ui.test_queue import assert_blurred_thumbnail

pytestmark = pytest.mark.slow

REVEAL_SECONDS = 2
# The sample draft's site and its contact, as the lookup would have cached them: re-rendering
# in the editor finds them there and looks nothing up.
SAMPLE_CONTACT = ("https://photos.example/contact", [("abuse@photos.example", "site")])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedUi]:
    home = tmp_path_factory.mktemp("ui-browser") / "home"
    with served_ui(home, reveal_seconds=REVEAL_SECONDS) as ui:
        with ui.rt.db.session() as s:
            cache_contacts(s, *SAMPLE_CONTACT)
        yield ui


def audit(rt: Runtime, action: str) -> list[AuditEvent]:
    with rt.db.session() as s:
        return list(s.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars())


def test_officer_sees_blurred_previews_in_the_queue(site: ServedUi) -> None:
    page = site.logged_in("officer")
    first = page.locator(f"#notice-{site.seeded.notice_id}")
    thumbs = first.locator("img.thumb")
    assert thumbs.count() == len(site.seeded.images)
    for i in range(thumbs.count()):
        img = thumbs.nth(i)
        img.scroll_into_view_if_needed()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=img.element_handle()
        )
        src = img.get_attribute("src")
        assert src is not None and src.startswith("/thumbs/")
        # The bytes the browser shows: greyscale and blurred compared with the evidence file.
        shown = page.request.get(f"{site.url}{src}").body()
        original = site.seeded.images[
            site.seeded.thumbnail_artifact_ids.index(int(src.rsplit("/", 1)[1]))
        ]
        assert_blurred_thumbnail(shown, original)
    # The page itself: what a person sees of a preview is grey (the red, green and blue agree).
    grey = page.evaluate(
        """img => { const c = document.createElement('canvas'); c.width = img.naturalWidth;
        c.height = img.naturalHeight; const x = c.getContext('2d'); x.drawImage(img, 0, 0);
        const d = x.getImageData(0, 0, c.width, c.height).data; let worst = 0;
        for (let i = 0; i < d.length; i += 4) { worst = Math.max(worst, Math.abs(d[i] - d[i+1]), Math.abs(d[i+1] - d[i+2])); }
        return worst; }""",
        thumbs.first.element_handle(),
    )
    assert grey <= 2
    page.context.close()


def test_reveal_is_confirmed_audited_and_blurs_again(site: ServedUi) -> None:
    page = site.logged_in("officer")
    figure = page.locator(f"#notice-{site.seeded.notice_id} figure.preview").first
    img = figure.locator("img.thumb")
    blurred_src = img.get_attribute("src")
    dialogs: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    figure.locator("button.reveal").click()
    page.wait_for_timeout(300)
    assert dialogs and "감사 기록" in dialogs[0]  # "recorded in the audit log", in Korean
    assert img.get_attribute("src") == blurred_src  # cancelled: nothing shown, nothing logged
    assert audit(site.rt, "media.reveal") == []

    page.once("dialog", lambda d: d.accept())
    figure.locator("button.reveal").click()
    page.wait_for_function(
        "img => img.src.startsWith('data:image/jpeg')", arg=img.element_handle(), timeout=5000
    )
    assert "revealed" in (img.get_attribute("class") or "")
    [event] = audit(site.rt, "media.reveal")
    assert event.actor == "user:sample-officer"
    assert event.object_id == str(site.seeded.media_artifact_ids[0])
    # After reveal_seconds the blurred thumbnail is back.
    page.wait_for_function(
        "img => img.getAttribute('src').startsWith('/thumbs/')",
        arg=img.element_handle(),
        timeout=(REVEAL_SECONDS + 3) * 1000,
    )
    assert "revealed" not in (img.get_attribute("class") or "")
    page.context.close()


def test_officer_edits_and_approves_and_the_mail_arrives(site: ServedUi) -> None:
    page = site.logged_in("officer")
    nid = site.seeded.notice_id
    page.goto(f"{site.url}/notices/{nid}")
    # Another desk of the site: the body still names the old address, so approval is refused
    # until the text is drawn up again for the officer's recipient.
    page.fill("textarea[name=to]", "desk@photos.example")
    page.click("form.editor button")
    page.wait_for_selector("p.flash")
    refused = page.locator(".approval-problems").inner_text()
    assert "does not name the recipient desk@photos.example" in refused
    page.once("dialog", lambda d: d.accept())
    with page.expect_navigation():
        page.click("form[action$='/language'] button")
    assert page.locator(".approval-problems").count() == 0
    assert page.input_value("textarea[name=to]") == "desk@photos.example"
    rendered = page.input_value("textarea[name=body]")
    assert "desk@photos.example" in rendered
    # The officer's own words go in after the greeting; every required element stays.
    greeting, rest = rendered.split("\n\n", 1)
    note = "Our desk adds: the three files below are one gallery of this post."
    page.fill("input[name=subject]", "Removal request: post 17 (edited)")
    page.fill("textarea[name=body]", f"{greeting}\n\n{note}\n\n{rest}")
    page.click("form.editor button")
    page.wait_for_selector("p.flash")
    assert "Removal request: post 17 (edited)" in page.locator(".mail").inner_text()
    assert page.locator(".approval-problems").count() == 0
    assert page.locator("table.elements tr.missing").count() == 0
    assert page.locator("table.elements tr.present").count() > 0
    messages: list[str] = []

    def accept(dialog: Dialog) -> None:
        messages.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    page.click("button.approve")
    page.wait_for_selector(".status.s-sent", timeout=15000)
    assert messages and "desk@photos.example" in messages[0]
    with site.rt.db.session() as s:
        notice = s.get(Notice, nid)
        assert notice is not None and notice.status == "sent"
        assert notice.approved_by == "user:sample-officer"
        reference = notice.reference
    assert reference
    received = site.smtp.mailbox.messages
    assert len(received) == 1
    envelope, message = received[0]
    assert envelope.rcpt_tos == ["desk@photos.example"]
    assert message["Subject"] == "Removal request: post 17 (edited)"
    texts = [
        bytes(part.get_payload(decode=True)).decode(part.get_content_charset() or "utf-8")
        for part in message.walk()
        if part.get_content_type() == "text/plain"
    ]
    [sent] = [t for t in texts if note in t]
    assert reference in sent and "addressed to desk@photos.example" in sent
    # The notice's own history (the mail timeline of replies is a list of its own).
    timeline = page.locator("ol.timeline:not(.mail-timeline)").inner_text()
    assert "승인 · user:sample-officer" in timeline and "발송 · system:sender" in timeline
    page.context.close()


def test_viewer_cannot_approve(site: ServedUi) -> None:
    page = site.logged_in("viewer")
    draft = site.seeded.other_notice_ids[0]
    page.goto(f"{site.url}/notices/{draft}")
    assert page.locator("button.approve").count() == 0
    assert page.locator("button.reveal").count() == 0
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    assert token
    forged = page.request.post(
        f"{site.url}/notices/{draft}/approve", form={"csrf": token}, max_redirects=0
    )
    assert forged.status == 403
    with site.rt.db.session() as s:
        notice = s.get(Notice, draft)
        assert notice is not None and notice.status == "draft"
    assert len(site.smtp.mailbox.messages) <= 1  # only the officer's approval above, if it ran
    page.context.close()


def test_language_switch_in_the_browser(site: ServedUi) -> None:
    page = site.logged_in("viewer")
    assert page.locator("h1").first.inner_text().startswith("검토 대기열")
    page.click("button[name=locale][value=en]")
    page.wait_for_load_state()
    assert page.locator("h1").first.inner_text().startswith("Review queue")
    page.click("button[name=locale][value=ko]")  # leave the shared user as it was
    page.wait_for_load_state()
    page.context.close()
