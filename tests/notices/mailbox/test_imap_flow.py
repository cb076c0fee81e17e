"""Replies and bounces read back from a real IMAP server (Dovecot on a loopback port, started by
the test) after requests went out through a real SMTP server (aiosmtpd): the site's reply with a
ticket number lands on the request's timeline as acknowledged; a bounce marks the recipient
failed and a draft to the next contact waits for the officer; a "removed" reply starts the
re-check that resolves the request; a forged "removed" (sender not the recipient) resolves
nothing; nothing is ever answered."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from takedown.accounts.tokens import create_token
from takedown.config import Settings
from takedown.evidence.record import EvidenceRecord
from takedown.pipeline.runtime import Runtime
from takedown.pipeline.scheduler import run_job
from takedown.store.base import utcnow
from takedown.store.tables import (
    MailboxCursor,
    MailMessage,
    Notice,
)
from takedown.web.app import create_app
from tests.conftest import auth
from tests.notices.conftest import Site, SmtpServer
from tests.notices.seed import request_for
from tests.support.dovecot import DovecotServer, dovecot_binary
from tests.support.drain import drain

pytestmark = pytest.mark.skipif(
    dovecot_binary() is None, reason="dovecot-imapd is not installed (scripts/system-deps.sh)"
)
CENTER = "requests@center.test"


@pytest.fixture
def imap() -> Iterator[DovecotServer]:
    server = DovecotServer({"requests": "pw-zorblat-7"})
    server.start()
    yield server
    server.stop()


@pytest.fixture
def sites() -> Iterator[dict[str, Site]]:
    made = {"a": Site(), "b": Site()}
    for site in made.values():
        site.server.start()
        site.html("/post/1", "<html><body><p>zorblat post</p></body></html>")
    yield made
    for site in made.values():
        site.server.stop()


@pytest.fixture
def rt(
    tmp_path: Path, sites: dict[str, Site], imap: DovecotServer, smtp_server: SmtpServer
) -> Iterator[Runtime]:
    r = Runtime(
        Settings(
            home=tmp_path / "home",
            fetch_allow=[s.origin for s in sites.values()],
            smtp_url=smtp_server.url,
            smtp_from=CENTER,
            imap_url=imap.url("requests"),
            imap_poll_seconds=0.01,
            imap_idle_seconds=0,  # the test drains the queues in its own thread
        )
    )
    yield r
    r.close()


def _reply(sender: str, in_reply_to: str, subject: str, text: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = CENTER
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    msg["In-Reply-To"] = in_reply_to
    msg["References"] = in_reply_to
    msg.set_content(text)
    return msg.as_bytes()


def _bounce(original_id: str, failed: str) -> bytes:
    """An RFC 3464 delivery status notification, as Postfix returns it."""
    return (
        "From: MAILER-DAEMON@mx.center.test (Mail Delivery System)\r\n"
        f"To: {CENTER}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: {make_msgid(domain='mx.center.test')}\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n'
        "\r\n--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
        "I'm sorry to have to inform you that your message could not be delivered.\r\n"
        "\r\n--b1\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.center.test\r\n\r\n"
        f"Final-Recipient: rfc822; {failed}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
        "\r\n--b1\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: {CENTER}\r\nTo: {failed}\r\nMessage-ID: {original_id}\r\n"
        "\r\n--b1--\r\n"
    ).encode()


def _read_mailbox(rt: Runtime) -> None:
    with rt.db.session() as s:
        s.execute(update(MailboxCursor).values(next_poll_at=utcnow()))
    run_job(rt, "wake_mailbox")
    drain(rt)


def test_replies_and_bounces_come_back_to_their_requests(
    rt: Runtime, sites: dict[str, Site], imap: DovecotServer, smtp_server: SmtpServer
) -> None:
    a = request_for(rt, sites["a"], "abuse@site-a.test", [("abuse@site-a.test", "site")])
    b = request_for(
        rt,
        sites["b"],
        "gone@site-b.test",
        [
            ("noc@hosting-b.test", "rdap-network"),
            ("gone@site-b.test", "site"),
            ("security@site-b.test", "security.txt"),
        ],
    )
    drain(rt)
    with rt.db.session() as s:
        mid = {n.id: n.message_id for n in s.execute(select(Notice)).scalars()}
        assert {n.status for n in s.execute(select(Notice)).scalars()} == {"sent"}
    assert sorted(m["Message-ID"] for _, m in smtp_server.mailbox.messages) == sorted(
        [mid[a], mid[b]]
    )
    with rt.db.session() as s:
        token = create_token(s, "officer", "officer-kim")[1]
    c = TestClient(create_app(rt.settings, rt))
    h = auth(token)

    # The site acknowledges with a ticket number.
    imap.append(
        "requests",
        _reply(
            "Abuse Desk <abuse@site-a.test>",
            str(mid[a]),
            "Re: Deletion request [Ticket #ZX-48213]",
            "Thank you for your report. We have received it and will review it.\n"
            "Ticket number: ZX-48213\n\n> Please remove the page.",
        ),
    )
    _read_mailbox(rt)
    mails = [e for e in c.get(f"/api/v1/notices/{a}/timeline", headers=h).json() if e["mail"]]
    assert len(mails) == 1, mails
    ack = mails[0]["mail"]
    assert ack["suggested"] == "acknowledged" and ack["ticket"] == "ZX-48213"
    assert ack["verified"] is True and ack["sender"] == "abuse@site-a.test"
    assert len(ack["sha256"]) == 64 and ack["headers"]["in-reply-to"] == mid[a]
    assert c.get(f"/api/v1/notices/{a}", headers=h).json()["ticket"] == "ZX-48213"
    # The raw message is evidence: encrypted at rest, the same bytes (SHA-256) read back.
    record = EvidenceRecord.open(rt.services.store, ack["evidence_key"], vault=rt.services.vault)
    art = record.manifest.artifact("message.eml")
    assert art.encrypted and art.sha256 == ack["sha256"]
    stored = rt.services.store.read(ack["evidence_key"], "message.eml")
    assert b"ZX-48213" not in stored and b"ZX-48213" in record.read("message.eml")
    # One click confirms the class.
    confirmed = c.post(f"/api/v1/notices/{a}/mail/{ack['id']}/confirm", headers=h)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["confirmed"] == "acknowledged"
    assert confirmed.json()["confirmed_by"] == "officer-kim"

    # The request to site B bounces: that recipient failed, a draft to the next contact waits.
    imap.append("requests", _bounce(str(mid[b]), "gone@site-b.test"))
    _read_mailbox(rt)
    got_b = c.get(f"/api/v1/notices/{b}", headers=h).json()
    assert got_b["failed_recipients"] == ["gone@site-b.test"] and got_b["status"] == "sent"
    assert any(r.get("failed") for r in got_b["recipients"] if r["address"] == "gone@site-b.test")
    drafts = [
        n for n in c.get("/api/v1/notices?status=draft", headers=h).json() if n["parent_id"] == b
    ]
    # The site's own next address comes before the hosting network (provenance order).
    assert [d["to"] for d in drafts] == [["security@site-b.test"]], drafts
    assert sites["b"].url("/post/1") in drafts[0]["body"]
    timeline_b = c.get(f"/api/v1/notices/{b}/timeline", headers=h).json()
    assert [e["mail"]["kind"] for e in timeline_b if e["mail"]] == ["bounce"]

    # A forged "removed" about B (a sender that is not B's recipient) resolves nothing, even
    # though the page is now gone: no re-check is started by it.
    sites["b"].status("/post/1", 404)
    imap.append(
        "requests",
        _reply(
            "support@elsewhere.test",
            str(mid[b]),
            "Re: Deletion request",
            "The content has been removed.",
        ),
    )
    _read_mailbox(rt)
    forged = [
        e["mail"] for e in c.get(f"/api/v1/notices/{b}/timeline", headers=h).json() if e["mail"]
    ]
    assert forged[-1]["verified"] is False and forged[-1]["suggested"] == "removed"
    assert c.get(f"/api/v1/notices/{b}", headers=h).json()["status"] == "sent"
    assert sites["b"].paths().count("/post/1") == 0  # never re-checked

    # Site A says the content was removed: the re-check runs at once and resolves the request.
    sites["a"].status("/post/1", 404)
    imap.append(
        "requests",
        _reply(
            "abuse@site-a.test",
            str(mid[a]),
            "Re: Deletion request [Ticket #ZX-48213]",
            "We have removed the reported content. It has been taken down.",
        ),
    )
    _read_mailbox(rt)
    done = c.get(f"/api/v1/notices/{a}", headers=h).json()
    assert done["status"] == "resolved", done
    kinds = [e["type"] for e in c.get(f"/api/v1/notices/{a}/timeline", headers=h).json()]
    assert kinds.count("mail") == 2 and "recheck" in kinds
    # Reading again takes nothing twice; and not one message was ever sent back.
    _read_mailbox(rt)
    with rt.db.session() as s:
        assert len(list(s.execute(select(MailMessage)).scalars())) == 4
    assert len(smtp_server.mailbox.messages) == 2


def test_idle_reads_mail_as_it_arrives(tmp_path: Path, imap: DovecotServer) -> None:
    """Dovecot offers IDLE: a message appended during the window is taken within a second or
    so, not at the window's end."""
    rt = Runtime(
        Settings(home=tmp_path / "home", imap_url=imap.url("requests"), imap_idle_seconds=6)
    )
    try:
        appended: list[float] = []

        def deliver() -> None:
            imap.append("requests", _reply("a@x.test", "<none@x.test>", "Hello", "zorblat"))
            appended.append(time.monotonic())

        timer = threading.Timer(1.5, deliver)
        timer.start()
        started = time.monotonic()
        run_job(rt, "wake_mailbox")
        taken: list[float] = []

        def watch() -> None:
            while time.monotonic() - started < 10 and not taken:
                with rt.db.session() as s:
                    if s.execute(select(MailMessage.id)).first():
                        taken.append(time.monotonic())
                time.sleep(0.05)

        watcher = threading.Thread(target=watch)
        watcher.start()
        drain(rt)  # the stage reads, then waits in IDLE for the rest of the window
        finished = time.monotonic()
        watcher.join()
        timer.join()
        assert appended and taken, "the appended message was never read"
        assert taken[0] - appended[0] < 2.0 and finished - started >= 5.0
        with rt.db.session() as s:
            cursor = s.execute(select(MailboxCursor)).scalar_one()
            assert cursor.last_uid == 1 and cursor.error is None
    finally:
        rt.close()
