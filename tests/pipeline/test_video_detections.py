"""Video end to end: an excerpt inside a compilation on a monitored page becomes a detection
that records its matching segments and signals; a broken video is an error on its item, and
the workers carry on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from takedown.media.audio import fpcalc_available
from takedown.pipeline.runtime import Runtime
from takedown.store.tables import Detection, Media
from tests.matching.clips import cut, slideshow, still
from tests.sites import TestWeb
from tests.support import monitoring
from tests.support.drain import poll_now
from tests.support.monitoring import Api

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not fpcalc_available(), reason="fpcalc not installed"),
]
web, api = monitoring.web, monitoring.api


@pytest.fixture
def rt(tmp_path: Path, web: TestWeb) -> Iterator[Runtime]:
    # Video files are larger and slower to serve than pictures: more time per fetch.
    with monitoring.monitoring_runtime(
        tmp_path / "home", web, total_timeout=10.0, read_timeout=5.0
    ) as r:
        yield r


def test_excerpt_detection_records_segments_and_a_broken_video_fails_alone(
    web: TestWeb, rt: Runtime, api: Api, tmp_path: Path
) -> None:
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
    case = monitoring.case_with_reference(
        api, reference.read_bytes(), filename="ref.mp4", media_type="video/mp4", keywords=[]
    )
    c, h = api
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
