"""SMTP sending against a real aiosmtpd server: arrival, Message-ID, temporary and permanent errors."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from takedown.notices.compose import DraftNotice
from takedown.notices.send import (
    Attachment,
    SendError,
    SmtpConfig,
    build_message,
    new_message_id,
    send_message,
)
from tests.notices.conftest import SmtpServer

SENDER = "requests@center.test"


def _draft(**changes: object) -> DraftNotice:
    values: dict[str, object] = {
        "subject": "削除依頼：本人の同意なく公開されたコンテンツ（事案 C-1）",
        "body": "本文です。\nhttps://site.test/p/1\nSHA-256: " + "ab" * 32 + "\n",
        "language": "ja",
        "legal_basis": "basis",
        "jurisdiction": "jp",
        "deadline": datetime(2026, 11, 23, tzinfo=UTC),
    }
    values.update(changes)
    return DraftNotice(**values)  # type: ignore[arg-type]


def test_config_from_url() -> None:
    plain = SmtpConfig.from_url("smtp://mail.center.test:2525", SENDER)
    assert (plain.host, plain.port, plain.tls, plain.username) == (
        "mail.center.test",
        2525,
        "opportunistic",
        None,
    )
    secure = SmtpConfig.from_url("smtps://user%40x:p%3Ass@mail.center.test", SENDER)
    assert (secure.port, secure.tls, secure.username, secure.password) == (
        465,
        "ssl",
        "user@x",
        "p:ss",
    )
    assert SmtpConfig.from_url("smtp://h?starttls=1", SENDER).tls == "starttls"
    assert SmtpConfig.from_url("smtp://h?starttls=0", SENDER).tls == "none"
    assert not SmtpConfig.from_url("smtp://h?verify=0", SENDER).verify_tls
    for bad in ("http://h", "smtp://", "smtp://h:notaport"):
        with pytest.raises(ValueError):
            SmtpConfig.from_url(bad, SENDER)
    with pytest.raises(ValueError, match="smtp_from"):
        SmtpConfig.from_url("smtp://h", "not-an-address")


def test_message_headers_and_threading() -> None:
    draft = _draft(in_reply_to="<a@center.test>", references=("<a@center.test>",))
    msg = build_message(
        draft,
        sender=SENDER,
        to=["abuse@site.test"],
        message_id="<fixed@center.test>",
        attachments=[Attachment("report.pdf", b"%PDF-1.7 test", "application/pdf")],
    )
    assert msg["Message-ID"] == "<fixed@center.test>"
    assert msg["In-Reply-To"] == "<a@center.test>"
    assert msg["References"] == "<a@center.test>"
    assert msg["Content-Language"] == "ja"
    raw = msg.as_bytes()
    assert b"=?utf-8?" in raw  # the Japanese subject is RFC 2047 encoded
    assert new_message_id(SENDER).endswith("@center.test>")
    with pytest.raises(ValueError, match="recipient"):
        build_message(draft, sender=SENDER, to=[])
    with pytest.raises(ValueError, match="not an e-mail"):
        build_message(draft, sender=SENDER, to=["abuse@site.test\r\nBcc: x@y.test"])


def test_sent_once_with_its_message_id(smtp_server: SmtpServer) -> None:
    config = SmtpConfig.from_url(smtp_server.url, SENDER, timeout=5)
    msg = build_message(
        _draft(),
        sender=SENDER,
        to=["abuse@site.test"],
        attachments=[Attachment("evidence.txt", "証拠".encode(), "text/plain")],
    )
    result = asyncio.run(send_message(config, msg))
    assert result.accepted == ("abuse@site.test",)
    assert len(smtp_server.mailbox.messages) == 1
    envelope, received = smtp_server.mailbox.messages[0]
    assert envelope.mail_from == SENDER and envelope.rcpt_tos == ["abuse@site.test"]
    assert received["Message-ID"] == result.message_id == msg["Message-ID"]
    assert "本人の同意なく" in str(received["Subject"]) or "=?utf-8?" in str(received["Subject"])
    text = next(p for p in received.walk() if p.get_content_type() == "text/plain")
    assert "ab" * 32 in text.get_payload(decode=True).decode("utf-8")
    names = [p.get_filename() for p in received.walk() if p.get_filename()]
    assert names == ["evidence.txt"]


def test_server_down_is_temporary_then_arrives_once(stopped_smtp_server: SmtpServer) -> None:
    server = stopped_smtp_server
    config = SmtpConfig.from_url(server.url, SENDER, timeout=5)
    msg = build_message(_draft(), sender=SENDER, to=["abuse@site.test"])
    with pytest.raises(SendError) as caught:
        asyncio.run(send_message(config, msg))
    assert caught.value.temporary
    server.start()
    result = asyncio.run(send_message(config, msg))
    assert [m["Message-ID"] for _, m in server.mailbox.messages] == [result.message_id]


@pytest.mark.parametrize(
    ("reply", "temporary", "code"),
    [("451 4.3.0 try again later", True, 451), ("554 5.7.1 rejected", False, 554)],
)
def test_4xx_is_temporary_5xx_permanent(
    smtp_server: SmtpServer, reply: str, temporary: bool, code: int
) -> None:
    smtp_server.mailbox.reply = reply
    config = SmtpConfig.from_url(smtp_server.url, SENDER, timeout=5)
    msg = build_message(_draft(), sender=SENDER, to=["abuse@site.test"])
    with pytest.raises(SendError) as caught:
        asyncio.run(send_message(config, msg))
    assert caught.value.temporary is temporary
    assert caught.value.code == code
    assert smtp_server.mailbox.messages == []


def test_required_starttls_not_offered_is_permanent(smtp_server: SmtpServer) -> None:
    config = SmtpConfig.from_url(smtp_server.url + "?starttls=1", SENDER, timeout=5)
    msg = build_message(_draft(), sender=SENDER, to=["abuse@site.test"])
    with pytest.raises(SendError) as caught:
        asyncio.run(send_message(config, msg))
    assert not caught.value.temporary
    assert smtp_server.mailbox.messages == []


def test_email_channel_from_registry(smtp_server: SmtpServer) -> None:
    from takedown.notices.channels import channel_names, make_channel

    assert "email" in channel_names()
    with pytest.raises(ValueError, match="unknown notice channel"):
        make_channel("carrier-pigeon")
    channel = make_channel("email", SmtpConfig.from_url(smtp_server.url, SENDER, timeout=5))
    message_id = channel.new_id()
    result = asyncio.run(channel.deliver(_draft(), to=["abuse@site.test"], message_id=message_id))
    assert result.message_id == message_id
    assert [m["Message-ID"] for _, m in smtp_server.mailbox.messages] == [message_id]
