"""Deletion requests through the whole pipeline, against three local sites, a local RDAP server
and an aiosmtpd server: contact and language per site, nothing sent before approval, one e-mail
per approval (also across a mail-server outage), removal → resolved, silence → reminder."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select, update

from takedown.accounts.tokens import create_token
from takedown.config import Settings
from takedown.pipeline.runtime import Runtime
from takedown.pipeline.scheduler import run_job
from takedown.store.base import utcnow
from takedown.store.tables import Notice
from takedown.web.app import create_app
from tests.conftest import auth
from tests.notices.conftest import Site, SmtpServer, rdap_network
from tests.sites.media import sample_image
from tests.support.drain import drain, poll_now
from tests.support.identity import CENTER_IDENTITY
from tests.support.images import jpeg

CASE_NAME = "Verity Olumbro"  # a made-up label that must never appear in a notice


@pytest.fixture
def sites() -> Iterator[dict[str, Site]]:
    made = {name: Site() for name in ("ko", "ja", "es", "rdap")}
    for site in made.values():
        site.server.start()
    original = sample_image(7, 2, size=480)
    made["_original"] = original  # type: ignore[assignment]
    copy = jpeg(original.resize((400, 400 * original.height // original.width)), 75)
    made["_copy"] = copy  # type: ignore[assignment]
    pages = {
        "ko": ("ko", '<footer><a href="/report">신고</a></footer>'),
        "ja": ("ja-JP", ""),
        "es": ("es", ""),
    }
    for name, (lang, extra) in pages.items():
        site = made[name]
        site.html("/", f'<html lang="{lang}"><body><a href="/post/1">post</a></body></html>')
        site.html(
            "/post/1",
            f'<html lang="{lang}"><body><p>x</p><img src="/m/1.jpg">{extra}</body></html>',
        )
        site.data("/m/1.jpg", copy, "image/jpeg")
    made["ko"].html(
        "/report", "<html><body><a href='mailto:abuse@site-ko.test'>신고</a></body></html>"
    )
    made["ja"].text(
        "/.well-known/security.txt",
        "Contact: mailto:security@site-ja.test\nPreferred-Languages: ja\n",
    )
    rdap = made["rdap"]
    rdap.json("/dns.json", {"version": "1.0", "services": []})
    rdap.json(
        "/ipv4.json", {"version": "1.0", "services": [[["127.0.0.0/8"], [rdap.url("/rdap/")]]]}
    )
    rdap.json("/rdap/ip/127.0.0.1", rdap_network("noc@hosting.test", "ES"))
    yield made
    for site in made.values():
        if isinstance(site, Site):
            site.server.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def rt(tmp_path: Path, sites: dict[str, Site], smtp: SmtpServer) -> Iterator[Runtime]:
    r = Runtime(
        Settings(
            home=tmp_path / "home",
            fetch_allow=[s.origin for s in sites.values() if isinstance(s, Site)],
            rdap_bootstrap_url=sites["rdap"].url("/dns.json"),
            rdap_ip_bootstrap_urls=[sites["rdap"].url("/ipv4.json")],
            smtp_url=smtp.url,
            smtp_from="requests@center.test",
            recheck_seconds=1,
            renotice_seconds=2,
            send_retry_seconds=0.1,
            **CENTER_IDENTITY,
        )
    )
    yield r
    r.close()


@pytest.fixture
def api(rt: Runtime) -> Iterator[tuple[TestClient, dict[str, str]]]:
    with rt.db.session() as s:
        token = create_token(s, "officer", "officer-kim")[1]
    with TestClient(create_app(rt.settings, rt)) as c:
        yield c, auth(token)


def _notice_for(c: TestClient, h: dict[str, str], site: Site) -> dict[str, object]:
    notices = c.get("/api/v1/notices", headers=h).json()
    port = site.origin.rsplit(":", 1)[1]
    mine = [n for n in notices if n["site"].endswith(port) and n["kind"] == "initial"]
    assert len(mine) == 1, notices
    return mine[0]


@pytest.mark.slow
def test_requests_from_detection_to_resolution(
    sites: dict[str, Site], smtp: SmtpServer, rt: Runtime, api: tuple[TestClient, dict[str, str]]
) -> None:
    c, h = api
    case = c.post("/api/v1/cases", json={"name": CASE_NAME, "keywords": []}, headers=h).json()
    original: Image.Image = sites["_original"]  # type: ignore[assignment]
    files = {"file": ("o.jpg", jpeg(original, 95), "image/jpeg")}
    assert (
        c.post(f"/api/v1/cases/{case['id']}/references", files=files, headers=h).status_code == 201
    )
    for name in ("ko", "ja", "es"):
        body = {"url": sites[name].url("/"), "kind": "page", "interval_seconds": 3600}
        assert c.post("/api/v1/sources", json=body, headers=h).status_code == 201
    poll_now(rt)

    expected = {
        "ko": ("abuse@site-ko.test", "ko", "site"),
        "ja": ("security@site-ja.test", "ja", "security.txt"),
        "es": ("noc@hosting.test", "es", "rdap-network"),
    }
    notices = {}
    for name, (address, lang, source) in expected.items():
        n = _notice_for(c, h, sites[name])
        notices[name] = n
        assert n["status"] == "draft" and n["to"] == [address] and n["language"] == lang, n
        assert any(r["address"] == address and r["source"] == source for r in n["recipients"])
        body = str(n["body"])
        assert sites[name].url("/post/1") in body and sites[name].url("/m/1.jpg") in body
        det = c.get(f"/api/v1/detections/{n['detection_ids'][0]}", headers=h).json()  # type: ignore[index]
        media = [
            d
            for d in c.get("/api/v1/detections", headers=h).json()
            if d["page_url"] == sites[name].url("/post/1") and d["media_url"]
        ]
        assert det["evidence_id"] is not None and media
        ev = c.get(f"/api/v1/evidence/{det['evidence_id']}", headers=h).json()
        assert ev["key"] in body
        assert CASE_NAME not in body and CASE_NAME not in str(n["subject"])
    assert smtp.mailbox.messages == [], "nothing may be sent before approval"

    # The officer's language switch re-renders the draft from the template.
    es = c.patch(f"/api/v1/notices/{notices['es']['id']}", json={"language": "en"}, headers=h)
    assert es.status_code == 200, es.text
    assert es.json()["language"] == "en" and es.json()["subject"] != notices["es"]["subject"]
    assert es.json()["to"] == ["noc@hosting.test"]
    assert sites["es"].url("/m/1.jpg") in es.json()["body"]

    # An edit that brings the case's label into the body cannot be approved.
    ko_url = f"/api/v1/notices/{notices['ko']['id']}"
    leaked = c.patch(ko_url, json={"body": f"{notices['ko']['body']}\n{CASE_NAME}"}, headers=h)
    assert leaked.status_code == 200
    refused = c.post(f"{ko_url}/approve", headers=h)
    assert refused.status_code == 409 and "forbidden term" in refused.json()["detail"]
    assert c.get(ko_url, headers=h).json()["status"] == "draft"
    c.patch(ko_url, json={"body": notices["ko"]["body"]}, headers=h)
    assert smtp.mailbox.messages == []

    # Approval sends exactly one e-mail, with the Message-ID the notice records.
    approved = c.post(f"/api/v1/notices/{notices['ko']['id']}/approve", headers=h).json()
    # Sending runs in the notice lane, not inside the request (no worker runs in this test).
    assert approved["status"] == "approved" and smtp.mailbox.messages == []
    drain(rt)
    sent = c.get(f"/api/v1/notices/{notices['ko']['id']}", headers=h).json()
    assert sent["status"] == "sent" and sent["sent_at"]
    assert [m["Message-ID"] for _, m in smtp.mailbox.messages] == [sent["message_id"]]
    assert smtp.mailbox.messages[0][0].rcpt_tos == ["abuse@site-ko.test"]

    # The mail server is down: the notice fails, is retried, and arrives once when it is back.
    smtp.stop()
    c.post(f"/api/v1/notices/{notices['ja']['id']}/approve", headers=h)
    drain(rt)
    failed = c.get(f"/api/v1/notices/{notices['ja']['id']}", headers=h).json()
    assert failed["status"] == "failed" and failed["error"]
    smtp.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        run_job(rt, "wake_send_retries")
        drain(rt)
        if c.get(f"/api/v1/notices/{notices['ja']['id']}", headers=h).json()["status"] == "sent":
            break
        time.sleep(0.2)
    ids = [m["Message-ID"] for _, m in smtp.mailbox.messages]
    assert ids.count(failed["message_id"]) == 1 and len(ids) == 2

    # The site removes the page: within one recheck interval the request is resolved.
    sites["ko"].status("/post/1", 404)
    sites["ko"].status("/m/1.jpg", 404)
    time.sleep(rt.settings.recheck_seconds + 0.1)
    run_job(rt, "wake_rechecks")
    drain(rt)
    time.sleep(rt.settings.recheck_seconds + 0.1)
    run_job(rt, "wake_rechecks")
    drain(rt)
    ko = c.get(f"/api/v1/notices/{notices['ko']['id']}", headers=h).json()
    assert ko["status"] == "resolved" and ko["resolved_at"]
    for det_id in ko["detection_ids"]:
        det = c.get(f"/api/v1/detections/{det_id}", headers=h).json()
        assert det["status"] == "removed" and det["removed_at"]
    # The same picture comes back on a new post: a new detection, linked to the removed one.
    removed_media = [
        d
        for d in (c.get(f"/api/v1/detections/{i}", headers=h).json() for i in ko["detection_ids"])
        if d["media_url"]
    ]
    sites["ko"].html("/", '<html lang="ko"><body><a href="/post/2">again</a></body></html>')
    sites["ko"].html("/post/2", '<html lang="ko"><body><img src="/m/2.jpg"></body></html>')
    sites["ko"].data("/m/2.jpg", sites["_copy"], "image/jpeg")  # type: ignore[arg-type]
    poll_now(rt, skip={"capture"})
    again = [
        d
        for d in c.get("/api/v1/detections", headers=h).json()
        if d["page_url"] == sites["ko"].url("/post/2") and d["media_url"]
    ]
    assert len(again) == 1 and again[0]["status"] == "active"
    assert again[0]["previous_id"] == removed_media[0]["id"]
    stats = c.get("/api/v1/stats", headers=h).json()
    assert stats["removed"] >= 1 and stats["median_seconds_to_removal"] is not None
    assert stats["reuploads"] == 1

    # The Japanese site stays silent: after the renotice interval a reminder draft appears,
    # threaded to the first e-mail, waiting for an officer like every request.
    with rt.db.session() as s:
        s.execute(
            update(Notice)
            .where(Notice.id == notices["ja"]["id"])
            .values(sent_at=utcnow().replace(year=2020))
        )
    run_job(rt, "wake_renotices")
    drain(rt)
    with rt.db.session() as s:
        reminder = s.execute(
            select(Notice).where(Notice.parent_id == notices["ja"]["id"])
        ).scalar_one()
        assert reminder.kind == "reminder" and reminder.status == "draft"
        assert reminder.to == ["security@site-ja.test"] and reminder.body
    before = len(smtp.mailbox.messages)
    c.post(f"/api/v1/notices/{reminder.id}/approve", headers=h)
    drain(rt)
    sent = c.get(f"/api/v1/notices/{reminder.id}", headers=h).json()
    assert sent["status"] == "sent"
    msg = smtp.mailbox.messages[before][1]
    assert msg["In-Reply-To"] == failed["message_id"]
