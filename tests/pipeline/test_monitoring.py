"""Monitoring end to end: each source kind finds a newly published post and its matching media,
and GET /detections lists them with media_url as the page links it. Hostile sites harm nothing."""

from __future__ import annotations

import pytest
from PIL import Image

from takedown.pipeline.runtime import Runtime
from tests.sites import TestWeb
from tests.sites.media import sample_image
from tests.support import monitoring
from tests.support.drain import poll_now
from tests.support.images import jpeg
from tests.support.monitoring import Api

KEYWORD = "zorblat"
web, rt, api = monitoring.web, monitoring.rt, monitoring.api


def _case_with_reference(api: Api, original: Image.Image) -> int:
    case = monitoring.case_with_reference(
        api, jpeg(original, 95), filename="ref.jpg", media_type="image/jpeg", keywords=[KEYWORD]
    )
    return int(case["id"])


@pytest.mark.slow
@pytest.mark.parametrize(
    ("site", "kind", "render"),
    [
        ("board", "page", "http"),
        ("feed", "feed", "http"),
        ("sitemap", "sitemap", "http"),
        ("search", "search", "http"),
        ("js", "page", "browser"),
    ],
)
def test_each_source_kind_finds_a_new_post_and_its_matching_media(
    site: str,
    kind: str,
    render: str,
    web: TestWeb,
    rt: Runtime,
    api: Api,
) -> None:
    c, h = api
    original = sample_image(40, 3, size=480)
    case_id = _case_with_reference(api, original)
    body = {
        "url": web.source_url(site),
        "kind": kind,
        "render": render,
        "interval_seconds": 60,
        "max_depth": 1,
    }
    assert c.post("/api/v1/sources", json=body, headers=h).status_code == 201
    web.publish(site, body=f"old news {KEYWORD}", images=1)
    poll_now(rt, skip={"capture"})
    before = {d["page_url"] for d in c.get("/api/v1/detections", headers=h).json()}

    copy = jpeg(original.resize((360, 360 * original.height // original.width)), 70)
    post = web.publish(site, body=f"fresh upload {KEYWORD}", images=1, image_bytes=[copy])
    poll_now(rt, skip={"capture"})
    found = c.get(f"/api/v1/detections?case_id={case_id}", headers=h).json()
    new = [d for d in found if d["page_url"] == post.url]
    assert post.url not in before
    media = [d for d in new if d["kind"] == "image"]
    assert len(media) == 1, found
    assert media[0]["media_url"] == post.media_urls[1]  # the copy, as the page links it
    assert media[0]["algorithm"] in ("pdq", "sha256", "md5") and media[0]["distance"] <= 31
    assert any(d["kind"] == "text" and d["algorithm"] == "keyword" for d in new)
    # The unrelated sample image on the same post is not a detection.
    assert all(d["media_url"] != post.media_urls[0] for d in found)


@pytest.mark.slow
def test_hostile_sites_cause_no_crash_and_no_private_request(
    web: TestWeb, rt: Runtime, api: Api
) -> None:
    c, h = api
    original = sample_image(41, 5, size=480)
    _case_with_reference(api, original)
    for site, kind in (("board", "page"), ("feed", "feed"), ("sitemap", "sitemap")):
        web.publish_hostile(site)
        c.post(
            "/api/v1/sources",
            json={"url": web.source_url(site), "kind": kind, "interval_seconds": 60},
            headers=h,
        )
    poll_now(rt, skip={"capture"})
    assert web.canary.requests() == []
    sources = c.get("/api/v1/sources", headers=h).json()
    assert all(s["state"] == "idle" and s["last_polled_at"] for s in sources)

    copy = jpeg(original, 60)
    post = web.publish("board", body="later post", images=0, image_bytes=[copy])
    poll_now(rt, skip={"capture"})
    found = c.get("/api/v1/detections", headers=h).json()
    assert any(d["page_url"] == post.url and d["kind"] == "image" for d in found)
    assert web.canary.requests() == []
    paths = [r.path for r in web.requests()]
    assert not any("169.254" in p or "10.0.0.1" in p or "passwd" in p for p in paths)
