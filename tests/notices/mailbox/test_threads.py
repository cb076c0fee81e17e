"""Threading by Message-ID, References and our reference; forged senders are unverified."""

from __future__ import annotations

from email.message import EmailMessage

from takedown.notices.mailbox.parse import parse_message
from takedown.notices.mailbox.threads import SentRequest, sender_verified, thread_message

REQUESTS = (
    SentRequest(1, "<n1@center.example>", "TD-ABCDEFGHIJ", ("abuse@site.example",)),
    SentRequest(2, "<n2@center.example>", "TD-KLMNOPQRST", ("help@other.example",)),
    SentRequest(3, None, None, ("x@third.example",)),
)


def mail(sender: str = "abuse@site.example", subject: str = "Re", body: str = "ok", **h: str):  # type: ignore[no-untyped-def]
    msg = EmailMessage()
    msg["From"] = sender
    msg["Subject"] = subject
    for key, value in h.items():
        msg[key.replace("_", "-")] = value
    msg.set_content(body)
    return parse_message(msg.as_bytes())


def test_in_reply_to_wins() -> None:
    got = thread_message(mail(In_Reply_To="<N1@center.example>", subject="TD-KLMNOPQRST"), REQUESTS)
    assert got is not None and (got.notice_id, got.via, got.verified) == (1, "in-reply-to", True)


def test_references_then_reference_in_subject_or_body() -> None:
    got = thread_message(
        mail("help@other.example", References="<zz@x> <n2@center.example>"), REQUESTS
    )
    assert got is not None and (got.notice_id, got.via) == (2, "references")
    got = thread_message(mail(subject="Your case [TD-ABCDEFGHIJ]"), REQUESTS)
    assert got is not None and (got.notice_id, got.via) == (1, "reference")
    got = thread_message(
        mail("help@other.example", body="regarding td-klmnopqrst thanks"), REQUESTS
    )
    assert got is not None and got.notice_id == 2


def test_unknown_message_is_unthreaded() -> None:
    assert thread_message(mail(subject="TD-ZZZZZZZZZZ", In_Reply_To="<nope@x>"), REQUESTS) is None


def test_forged_sender_is_unverified() -> None:
    got = thread_message(
        mail("abuse@site.example.evil.test", In_Reply_To="<n1@center.example>"), REQUESTS
    )
    assert got is not None and got.notice_id == 1 and not got.verified
    assert sender_verified("tickets@mail.site.example", ["abuse@site.example"])
    assert not sender_verified("abuse@notsite.example", ["abuse@site.example"])
    assert not sender_verified("", ["abuse@site.example"])
