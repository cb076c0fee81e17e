"""An officer's edits to a draft survive new detections: the new ones are attached and listed,
the text stays, and a re-render (the language switch) brings them into the text."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from takedown.accounts.tokens import create_token
from takedown.config import Settings
from takedown.pipeline.runtime import Runtime
from takedown.pipeline.stages.draft import request_draft
from takedown.web.app import create_app
from tests.conftest import auth
from tests.notices.conftest import Site
from tests.sites.media import sample_image
from tests.support.drain import drain, fail_captures, poll_now
from tests.support.images import jpeg


def _draft(rt: Runtime, case_id: int, site: str) -> None:
    fail_captures(rt)
    with rt.db.session() as s:
        notice = request_draft(s, case_id, site)
        notice_id = notice.id if notice is not None else None
    if notice_id is not None:
        rt.submit("draft", notice_id)
    drain(rt, skip={"capture"})


def test_new_detections_keep_the_officers_text(tmp_path: Path) -> None:
    site = Site()
    site.server.start()
    try:
        original = sample_image(21, 4, size=480)
        site.html("/", '<html lang="en"><body><a href="/p/1">1</a></body></html>')
        site.html("/p/1", '<html lang="en"><body><img src="/1.jpg"></body></html>')
        site.html("/contact", "<a href='mailto:abuse@site.test'>report abuse</a>")
        site.data("/1.jpg", jpeg(original, 70), "image/jpeg")
        site.json("/rdap.json", {"version": "1.0", "services": []})
        settings = Settings(
            home=tmp_path / "home",
            fetch_allow=[site.origin],
            rdap_bootstrap_url=site.url("/rdap.json"),
            rdap_ip_bootstrap_urls=[site.url("/rdap.json")],
        )
        rt = Runtime(settings)
        with rt.db.session() as s:
            h = auth(create_token(s, "officer", "t")[1])
        with TestClient(create_app(settings, rt)) as c:
            case = c.post("/api/v1/cases", json={"name": "c"}, headers=h).json()
            c.post(
                f"/api/v1/cases/{case['id']}/references",
                files={"file": ("o.jpg", jpeg(original, 95), "image/jpeg")},
                headers=h,
            )
            c.post(
                "/api/v1/sources",
                json={"url": site.url("/"), "kind": "page", "interval_seconds": 3600},
                headers=h,
            )
            poll_now(rt, skip={"capture"})
            det_site = c.get("/api/v1/detections", headers=h).json()[0]["site"]
            _draft(rt, case["id"], det_site)
            notice = c.get("/api/v1/notices", headers=h).json()[0]
            nid = notice["id"]
            assert site.url("/p/1") in notice["body"] and notice["to"] == ["abuse@site.test"]
            edited = c.patch(
                f"/api/v1/notices/{nid}", json={"body": "Officer's own text."}, headers=h
            ).json()
            assert edited["body"] == "Officer's own text."

            site.html(
                "/", '<html lang="en"><body><a href="/p/1">1</a> <a href="/p/2">2</a></body></html>'
            )
            site.html("/p/2", '<html lang="en"><body><img src="/2.jpg"></body></html>')
            site.data("/2.jpg", jpeg(original.resize((300, 300)), 60), "image/jpeg")
            poll_now(rt, skip={"capture"})
            _draft(rt, case["id"], det_site)
            after = c.get(f"/api/v1/notices/{nid}", headers=h).json()
            assert after["body"] == "Officer's own text."
            assert len(after["detection_ids"]) > len(notice["detection_ids"])
            assert "re-render" in (after["error"] or "")

            again = c.patch(f"/api/v1/notices/{nid}", json={"language": "en"}, headers=h).json()
            assert site.url("/p/2") in again["body"] and again["error"] is None
        rt.close()
    finally:
        site.server.stop()
