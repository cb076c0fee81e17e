"""Hostile and odd mail into the store without a crash, through the API: malformed MIME, an
HTML-only reply, a reply in Korean, a huge attachment, a forged sender; refused and "more
information" replies put the request in the officer's attention list; an officer picks the
web-form channel of a draft."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from takedown.accounts.tokens import create_token
from takedown.config import Settings
from takedown.notices.mailbox.intake import ingest
from takedown.pipeline.runtime import Runtime
from takedown.store.base import utcnow
from takedown.store.tables import MailMessage, Notice
from takedown.web.app import create_app
from tests.conftest import auth


@pytest.fixture
def rt(tmp_path: Path) -> Iterator[Runtime]:
    r = Runtime(Settings(home=tmp_path / "home"))
    yield r
    r.close()


def _mail(sender: str, reply_to: str, body: str, ctype: str = "text/plain; charset=utf-8") -> bytes:
    return (
        f"From: {sender}\r\nSubject: Re: request\r\nIn-Reply-To: {reply_to}\r\n"
        f"Message-ID: <{abs(hash(body))}@m.test>\r\nContent-Type: {ctype}\r\n\r\n{body}\r\n"
    ).encode()


def test_odd_mail_is_taken_and_shown_as_it_is(rt: Runtime) -> None:
    with rt.db.session() as s:
        sent = [
            Notice(site=f"s{i}.test", status="sent", sent_at=utcnow(), to=[f"abuse@s{i}.test"])
            for i in range(5)
        ]
        s.add_all(sent)
        s.flush()
        for i, n in enumerate(sent):
            n.message_id = f"<req-{i}@center.test>"
        ids = [n.id for n in sent]
        token = create_token(s, "officer", "officer-kim")[1]
    huge = "A" * (3 * 1024 * 1024)
    mails = [
        # malformed: a multipart with no boundary at all, and a broken header
        b"From: abuse@s0.test\r\nIn-Reply-To: <req-0@center.test>\r\nContent-Type: multipart/mixed"
        b"\r\nX-Broken: =?utf-8?b?////?=\r\n\r\n--nothing\r\n\x00\xff\xfe garbage",
        _mail(
            "abuse@s1.test",
            "<req-1@center.test>",
            "<html><body><script>fetch('http://127.0.0.1:9/x')</script><p>We cannot remove "
            "this content. It does not violate our policy.</p></body></html>",
            "text/html; charset=utf-8",
        ),
        _mail("abuse@s2.test", "<req-2@center.test>", "추가 정보를 제공해 주시기 바랍니다."),
        (
            "From: abuse@s3.test\r\nIn-Reply-To: <req-3@center.test>\r\nSubject: ok\r\n"
            'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain'
            "\r\n\r\nReceived, ticket #55123.\r\n--b\r\nContent-Type: application/octet-stream\r\n"
            'Content-Disposition: attachment; filename="big.bin"\r\n'
            f"Content-Transfer-Encoding: base64\r\n\r\n{huge}\r\n--b--\r\n"
        ).encode(),
        _mail("support@forger.test", "<req-4@center.test>", "The content has been removed."),
    ]
    with rt.db.session() as s:
        for raw in mails:
            assert ingest(s, rt.services.evidence, raw) is not None
        assert ingest(s, rt.services.evidence, mails[1]) is None  # the same message once
    with rt.db.session() as s:
        got = {m.notice_id: m for m in s.execute(select(MailMessage)).scalars()}
        assert set(got) == set(ids)
        assert got[ids[1]].suggested == "refused" and "cannot remove" in (got[ids[1]].reason or "")
        assert "fetch(" not in got[ids[1]].excerpt  # script text is dropped, never run
        assert got[ids[2]].suggested == "more_info"
        assert got[ids[3]].ticket == "55123"
        assert got[ids[3]].detail["attachments"][0]["name"] == "big.bin"
        assert got[ids[4]].verified is False
        forged = s.get(Notice, ids[4])
        assert forged is not None and forged.status == "sent" and not forged.detail
    with TestClient(create_app(rt.settings, rt)) as c:
        queue = c.get("/api/v1/notices?attention=true", headers=auth(token)).json()
        assert sorted(n["id"] for n in queue) == [ids[1], ids[2]]
        assert {n["attention"]["class"] for n in queue} == {"refused", "more_info"}
        # The officer reads the refusal and corrects it: it leaves the attention list.
        mail_id = got[ids[1]].id
        r = c.post(
            f"/api/v1/notices/{ids[1]}/mail/{mail_id}/confirm",
            json={"kind": "acknowledged"},
            headers=auth(token),
        )
        assert r.status_code == 200 and r.json()["confirmed"] == "acknowledged"
        queue = c.get("/api/v1/notices?attention=true", headers=auth(token)).json()
        assert [n["id"] for n in queue] == [ids[2]]
        bad = c.post(
            f"/api/v1/notices/{ids[1]}/mail/{mail_id}/confirm",
            json={"kind": "zorblat"},
            headers=auth(token),
        )
        assert bad.status_code == 422


def test_an_officer_picks_the_web_form_channel_of_a_draft(rt: Runtime) -> None:
    with rt.db.session() as s:
        n = Notice(site="x.test", status="draft", to=["abuse@x.test"])
        s.add(n)
        s.flush()
        nid = n.id
        token = create_token(s, "officer", "officer-kim")[1]
    with TestClient(create_app(rt.settings, rt)) as c:
        url = f"/api/v1/notices/{nid}"
        r = c.patch(url, json={"channel": "webform"}, headers=auth(token))
        assert r.status_code == 200 and r.json()["channel"] == "webform"
        assert c.patch(url, json={"channel": "fax"}, headers=auth(token)).status_code == 422
