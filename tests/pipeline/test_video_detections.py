"""Video end to end: an excerpt inside a compilation on a monitored page becomes a detection
that records its matching segments and signals; a broken video is an error on its item, and
the workers carry on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from takedown.config import Settings
from takedown.media.audio import fpcalc_available
from takedown.pipeline.runtime import Runtime
from takedown.store.tables import Detection, Media
from takedown.web.app import create_app
from tests.conftest import auth
from tests.matching.clips import cut, slideshow, still
from tests.sites import TestWeb
from tests.support.drain import poll_now

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not fpcalc_available(), reason="fpcalc not installed"),
]


@pytest.fixture
def web() -> Iterator[TestWeb]:
    with TestWeb(drip_interval=0.5) as w:
        yield w


@pytest.fixture
def rt(tmp_path: Path, web: TestWeb) -> Iterator[Runtime]:
    r = Runtime(
        Settings(
            home=tmp_path / "home",
            fetch_allow=[web.origin],
            fetch_total_timeout=10.0,
            fetch_read_timeout=5.0,
            fetch_retries=0,
        )
    )
    yield r
    r.close()


def test_excerpt_detection_records_segments_and_a_broken_video_fails_alone(
    web: TestWeb, rt: Runtime, tmp_path: Path
) -> None:
    from takedown.accounts.tokens import create_token

    reference = slideshow(
        tmp_path / "ref.mp4", [still(tmp_path, n) for n in ("astronaut", "coffee", "chelsea")], 5
    )
    unrelated = slideshow(
        tmp_path / "other.mp4", [still(tmp_path, n) for n in ("rocket", "camera", "retina")], 5, 29
    )
    compilation = cut(
        tmp_path / "comp.mp4", [(unrelated, 0, 6), (reference, 4, 8), (unrelated, 8, 6)]
    )
    broken = compilation.read_bytes()[:4000]  # a header and a few bytes of a stream
    mirrored = cut(tmp_path / "mirrored.mp4", [(reference, 0, 15)], vf="hflip,hue=h=60")
    with rt.db.session() as s:
        token = create_token(s, "officer", "t")[1]
    with TestClient(create_app(rt.settings, rt)) as c:
        h = auth(token)
        case = c.post("/api/v1/cases", json={"name": "c1", "keywords": []}, headers=h).json()
        files = {"file": ("ref.mp4", reference.read_bytes(), "video/mp4")}
        r = c.post(f"/api/v1/cases/{case['id']}/references", files=files, headers=h)
        assert r.status_code == 201, r.text
        body = {"url": web.source_url("board"), "kind": "page", "interval_seconds": 60}
        assert c.post("/api/v1/sources", json=body, headers=h).status_code == 201
        post = web.publish(
            "board",
            body="a clip",
            images=0,
            video_bytes=[broken, compilation.read_bytes(), mirrored.read_bytes()],
        )
        poll_now(rt, skip={"capture"})
    broken_url, compilation_url, mirrored_url = post.media_urls
    with rt.db.session() as s:
        dets = list(s.execute(select(Detection).where(Detection.kind == "video")).scalars())
        media = {m.url: (m.state, m.error) for m in s.execute(select(Media)).scalars()}
    found = sorted((d.media_url, d.algorithm, d.case_id, d.review) for d in dets)
    assert found == sorted(
        [
            (compilation_url, "vpdq", case["id"], "none"),
            # Mirrored and re-coloured, found by its sound: an officer confirms it first.
            (mirrored_url, "audio", case["id"], "candidate"),
        ]
    )
    detail = next(d.detail for d in dets if d.media_url == compilation_url)
    assert detail["signals"] == ["vpdq", "audio"]
    frames = next(seg for seg in detail["segments"] if seg["signal"] == "vpdq")
    assert abs(frames["query_start"] - 6) <= 1.6 and abs(frames["reference_start"] - 4) <= 1.6
    state, error = media[broken_url]
    assert state == "failed" and error and error.startswith("hash:")
    assert media[compilation_url] == ("done", None)
