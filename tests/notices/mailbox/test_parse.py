"""Hostile mail parses into bounded text without a crash."""

from __future__ import annotations

import hashlib
from email.message import EmailMessage

from takedown.notices.mailbox import parse
from takedown.notices.mailbox.parse import html_to_text, parse_message


def _mail(body: str = "hello", **headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = headers.pop("From", "Abuse Desk <abuse@example.org>")
    msg["To"] = "reports@center.example"
    msg["Subject"] = headers.pop("Subject", "Re: request")
    for key, value in headers.items():
        msg[key.replace("_", "-")] = value
    msg.set_content(body)
    return msg


def test_headers_ids_and_hash() -> None:
    raw = _mail(
        "We received it.",
        Message_ID="<r1@example.org>",
        In_Reply_To="<n1@center.example>",
        References="<a@x> <n1@center.example>",
    ).as_bytes()
    mail = parse_message(raw)
    assert mail.sender == "abuse@example.org"
    assert mail.message_id == "<r1@example.org>"
    assert mail.in_reply_to == ("<n1@center.example>",)
    assert mail.references == ("<a@x>", "<n1@center.example>")
    assert mail.sha256 == hashlib.sha256(raw).hexdigest()
    assert "We received it." in mail.text


def test_html_only_reply_becomes_text_without_scripts() -> None:
    msg = EmailMessage()
    msg["From"] = "abuse@example.org"
    msg["Subject"] = "Re"
    msg.set_content(
        "<html><head><style>p{}</style><script>alert(1)</script></head><body>"
        "<p>The content <b>has been removed</b>.</p><img src='http://127.0.0.1:9/track.png'>"
        "</body></html>",
        subtype="html",
    )
    mail = parse_message(msg.as_bytes())
    assert "has been removed" in mail.text
    assert "alert" not in mail.text and "p{}" not in mail.text
    assert "track.png" not in mail.text


def test_broken_html_still_yields_text() -> None:
    assert html_to_text("<p>one<div><<<&#xZZ; two</p").startswith("one")


def test_malformed_mime_does_not_raise() -> None:
    raw = (
        b"From: x@example.org\r\nSubject: =?bogus?Q?broken?=\r\n"
        b'Content-Type: multipart/mixed; boundary="nope"\r\n\r\n'
        b"--other\r\nContent-Type: text/plain; charset=no-such-charset\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n!!!notbase64\xff\xfe\r\n"
    )
    mail = parse_message(raw)
    assert mail.sender == "x@example.org"
    assert mail.defects  # the parser's complaints are kept, not raised
    assert parse_message(b"").sha256 == hashlib.sha256(b"").hexdigest()
    assert parse_message(b"\x00\xff garbage without headers").text is not None


def test_huge_attachment_is_hashed_and_text_truncated(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(parse, "MAX_TEXT_CHARS", 1000)
    msg = _mail("word " * 5000)
    blob = b"\x01" * 300_000
    msg.add_attachment(blob, maintype="application", subtype="octet-stream", filename="big.bin")
    mail = parse_message(msg.as_bytes())
    assert mail.truncated and len(mail.text) == 1000
    (att,) = mail.attachments
    assert att.filename == "big.bin" and att.size == len(blob)
    assert att.sha256 == hashlib.sha256(blob).hexdigest()
    assert not hasattr(att, "data")


def test_raw_over_cap_is_hashed_whole_but_parsed_truncated(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(parse, "MAX_RAW_BYTES", 2000)
    raw = _mail("x" * 10_000).as_bytes()
    mail = parse_message(raw)
    assert mail.size == len(raw) and mail.truncated
    assert mail.sha256 == hashlib.sha256(raw).hexdigest()


def test_header_injection_is_flattened() -> None:
    mail = parse_message(b"From: a@example.org\r\nSubject: one\r\n two\r\n\r\nbody")
    assert "\n" not in mail.subject
