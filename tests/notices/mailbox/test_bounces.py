"""RFC 3464 reports and the common plain-text bounces mark only the failed recipients."""

from __future__ import annotations

from email.message import EmailMessage

from takedown.notices.mailbox.bounces import parse_bounce
from takedown.notices.mailbox.parse import parse_message


def dsn(recipient: str, action: str = "failed", status: str = "5.1.1") -> bytes:
    """An RFC 3464 report as an MTA writes it."""
    return (
        "From: MAILER-DAEMON@mx.example.org\r\nTo: reports@center.example\r\n"
        "Subject: Delivery Status Notification\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.org\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: {action}\r\nStatus: {status}\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        "From: reports@center.example\r\nTo: other@example.org\r\n\r\n--B--\r\n"
    ).encode()


def test_rfc3464_failed() -> None:
    bounce = parse_bounce(parse_message(dsn("abuse@example.org")))
    assert bounce is not None and bounce.standard
    (failed,) = bounce.failed
    assert failed.address == "abuse@example.org" and failed.status == "5.1.1"
    assert "user unknown" in failed.diagnostic


def test_rfc3464_delayed_is_not_a_failure() -> None:
    assert parse_bounce(parse_message(dsn("abuse@example.org", "delayed", "4.4.7"))) is None


def _plain(subject: str, body: str, sender: str = "MAILER-DAEMON@mx.example.org") -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["Subject"] = subject
    msg.set_content(body)
    return msg.as_bytes()


def test_postfix_plain() -> None:
    raw = _plain(
        "Undelivered Mail Returned to Sender",
        "This is the mail system at host mx.example.org.\n\n"
        "<abuse@example.org>: host mx.example.org said: 550 5.1.1 no such user\n",
    )
    bounce = parse_bounce(parse_message(raw), sent_to=("abuse@example.org",))
    assert bounce is not None and not bounce.standard
    assert [f.address for f in bounce.failed] == ["abuse@example.org"]


def test_gmail_like_and_qmail() -> None:
    gmail = _plain(
        "Delivery Status Notification (Failure)",
        "Delivery to the following recipient failed permanently:\n\n     help@site.example\n",
        sender="mailer-daemon@googlemail.com",
    )
    qmail = _plain(
        "failure notice",
        "Hi. This is the qmail-send program at mx.site.example.\n"
        "<help@site.example>:\nSorry, no mailbox here by that name. (#5.1.1)\n",
    )
    for raw in (gmail, qmail):
        bounce = parse_bounce(
            parse_message(raw), sent_to=("help@site.example", "other@site.example")
        )
        assert bounce is not None
        assert [f.address for f in bounce.failed] == ["help@site.example"]


def test_plain_bounce_only_counts_addresses_we_sent_to() -> None:
    raw = _plain(
        "Mail delivery failed",
        "A message that you sent could not be delivered.\n  stranger@elsewhere.example\n"
        "From: reports@center.example\n",
    )
    assert parse_bounce(parse_message(raw), sent_to=("abuse@example.org",)) is None


def test_an_ordinary_reply_is_not_a_bounce() -> None:
    raw = _plain("Re: request", "We removed it. abuse@example.org", sender="abuse@example.org")
    assert parse_bounce(parse_message(raw), sent_to=("abuse@example.org",)) is None
