"""Rule-based reply classes in the seven languages; quoted text never decides."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from takedown.notices.mailbox.classify import ReplyClass, classify_reply, own_words
from takedown.notices.mailbox.parse import parse_message


def reply(body: str, subject: str = "Re: removal request TD-ABCDEFGHIJ", **headers: str):  # type: ignore[no-untyped-def]
    msg = EmailMessage()
    msg["From"] = "abuse@site.example"
    msg["Subject"] = subject
    for key, value in headers.items():
        msg[key.replace("_", "-")] = value
    msg.set_content(body)
    return parse_message(msg.as_bytes())


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ("Thank you for your report. Your ticket number is 48213.", ReplyClass.ACKNOWLEDGED),
        ("The reported content has been removed.", ReplyClass.REMOVED),
        (
            "We will not remove this content because it does not violate our terms.",
            ReplyClass.REFUSED,
        ),
        ("Please provide the exact URLs of the images.", ReplyClass.MORE_INFO),
        ("신고가 접수되었습니다. 접수번호: 2024-7781", ReplyClass.ACKNOWLEDGED),
        ("요청하신 게시물은 삭제되었습니다.", ReplyClass.REMOVED),
        ("해당 게시물은 삭제할 수 없습니다.", ReplyClass.REFUSED),
        ("추가 정보를 제공해 주시기 바랍니다.", ReplyClass.MORE_INFO),
        ("ご報告を受け付けました。受付番号 A-5531", ReplyClass.ACKNOWLEDGED),
        ("該当のコンテンツを削除しました。", ReplyClass.REMOVED),
        ("您举报的内容已删除。", ReplyClass.REMOVED),
        ("我们已收到您的举报，工单号 88231", ReplyClass.ACKNOWLEDGED),
        ("Hemos eliminado el contenido denunciado.", ReplyClass.REMOVED),
        ("Necesitamos más información sobre la publicación.", ReplyClass.MORE_INFO),
        ("Материал был удален.", ReplyClass.REMOVED),
        ("Мы получили ваш запрос, номер заявки 5521.", ReplyClass.ACKNOWLEDGED),
        ("Nội dung đã được gỡ bỏ.", ReplyClass.REMOVED),
        ("Chúng tôi từ chối yêu cầu này.", ReplyClass.REFUSED),
        ("Lorem ipsum dolor sit amet.", ReplyClass.UNKNOWN),
    ],
)
def test_classes(body: str, kind: ReplyClass) -> None:
    assert classify_reply(reply(body)).kind is kind


def test_ticket_number_extracted_and_not_our_reference() -> None:
    got = classify_reply(reply("Your request TD-ABCDEFGHIJ was received. Ticket #A-48213."))
    assert got.kind is ReplyClass.ACKNOWLEDGED and got.ticket == "A-48213"
    assert classify_reply(reply("[#77120] we will review")).ticket == "77120"


def test_refusal_keeps_its_reason() -> None:
    got = classify_reply(reply("Hello.\nWe cannot remove it: the uploader holds the rights.\nBye"))
    assert got.kind is ReplyClass.REFUSED and got.reason is not None
    assert "uploader holds the rights" in got.reason


def test_quoted_request_does_not_count() -> None:
    body = "Noted.\n\nOn Mon, 1 Dec 2026 the center wrote:\n> Please confirm the content has been removed.\n"
    assert own_words(body).strip() == "Noted."
    assert classify_reply(reply(body)).kind is ReplyClass.UNKNOWN


@pytest.mark.parametrize(
    "headers",
    [{"Auto_Submitted": "auto-replied"}, {"X_Autoreply": "yes"}, {"Precedence": "auto_reply"}],
)
def test_auto_reply_headers(headers: dict[str, str]) -> None:
    got = classify_reply(reply("I am out of the office until Monday.", **headers))
    assert got.kind is ReplyClass.AUTO_REPLY and got.automatic


def test_automatic_acknowledgement_with_ticket_stays_acknowledged() -> None:
    got = classify_reply(reply("Ticket 99812 opened.", Auto_Submitted="auto-generated"))
    assert got.kind is ReplyClass.ACKNOWLEDGED and got.ticket == "99812" and got.automatic
    assert classify_reply(reply("Out of office.", Auto_Submitted="no")).kind is ReplyClass.UNKNOWN
