"""Retroactive matching, end to end: media seen before a case exists become that case's
detections within seconds of its reference arriving (upload or hash-only), with the time
takedown first saw the file, on a real local site and the real worker pools."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pdqhash
import pytest
from fastapi.testclient import TestClient

from takedown.config import Settings
from takedown.pipeline.roles import Workers
from takedown.pipeline.runtime import Runtime
from tests.sites import TestWeb
from tests.sites.media import sample_image
from tests.support import monitoring
from tests.support.drain import poll_now
from tests.support.images import jpeg

KEYWORD = "zorblat"
DEADLINE_S = 10.0


web, rt, api = monitoring.web, monitoring.rt, monitoring.api


def _wait_for_image_detections(
    c: TestClient, h: dict[str, str], case_id: int, started: float
) -> list[dict[str, Any]]:
    while time.monotonic() - started < DEADLINE_S:
        found = c.get(f"/api/v1/detections?case_id={case_id}", headers=h).json()
        media = [d for d in found if d["kind"] == "image"]
        if media:
            return media
        time.sleep(0.1)
    return []


def _pdq_hex(image: Any) -> str:
    bits, _q = pdqhash.compute(np.asarray(image.convert("RGB")))
    return np.packbits(bits.astype(np.uint8)).tobytes().hex()


@pytest.mark.slow
def test_media_seen_before_a_case_exists_are_found_on_reference_upload(
    web: TestWeb, rt: Runtime, api: tuple[TestClient, dict[str, str]]
) -> None:
    c, h = api
    # An earlier case watches the board; its crawl stores every media file it sees.
    watcher = c.post("/api/v1/cases", json={"name": "w", "keywords": [KEYWORD]}, headers=h)
    watcher_id = watcher.json()["id"]
    files = {"file": ("w.jpg", jpeg(sample_image(3, 1, size=480), 95), "image/jpeg")}
    assert c.post(f"/api/v1/cases/{watcher_id}/references", files=files, headers=h).is_success
    body = {"url": web.source_url("board"), "kind": "page", "interval_seconds": 3600}
    assert c.post("/api/v1/sources", json=body, headers=h).status_code == 201

    victim = sample_image(40, 3, size=480)
    other = sample_image(44, 2, size=480)
    copy = jpeg(victim.resize((360, 360 * victim.height // victim.width)), 70)
    post = web.publish("board", body=f"re-upload {KEYWORD}", images=0, image_bytes=[copy])
    other_post = web.publish(
        "board", body=f"other {KEYWORD}", images=0, image_bytes=[jpeg(other, 80)]
    )
    poll_now(rt, skip={"capture"})
    seen = c.get(f"/api/v1/detections?case_id={watcher_id}", headers=h).json()
    assert post.media_urls[0] not in {d["media_url"] for d in seen}  # not the watcher's file

    workers = Workers(rt)
    workers.start()
    try:
        # A new case arrives after the file was seen: its reference finds it at once.
        case = c.post("/api/v1/cases", json={"name": "late", "keywords": ["qwib"]}, headers=h)
        case_id = case.json()["id"]
        started = time.monotonic()
        files = {"file": ("ref.jpg", jpeg(victim, 95), "image/jpeg")}
        r = c.post(f"/api/v1/cases/{case_id}/references", files=files, headers=h)
        assert r.status_code == 201, r.text
        ref_created = datetime.fromisoformat(r.json()["created_at"])
        media = _wait_for_image_detections(c, h, case_id, started)
        elapsed = time.monotonic() - started
        assert media, f"no detection within {DEADLINE_S} s"
        assert elapsed < DEADLINE_S
        # One detection per page that shows the file (the post, and the board's listing).
        assert {d["media_url"] for d in media} == {post.media_urls[0]}
        assert post.url in {d["page_url"] for d in media}
        assert other_post.media_urls[0] not in {d["media_url"] for d in media}
        # The detection carries when takedown first saw the file, before the case existed.
        for d in media:
            first_seen = datetime.fromisoformat(d["first_seen_at"])
            assert first_seen.replace(tzinfo=None) < ref_created.replace(tzinfo=None)

        # Hash-only intake (the victim hashed the file on her own device) works the same way.
        case2 = c.post("/api/v1/cases", json={"name": "hashes", "keywords": ["qwob"]}, headers=h)
        case2_id = case2.json()["id"]
        started = time.monotonic()
        body2 = {"algorithm": "pdq", "hashes": [_pdq_hex(victim)]}
        r2 = c.post(f"/api/v1/cases/{case2_id}/references/hashes", json=body2, headers=h)
        assert r2.status_code == 201, r2.text
        media2 = _wait_for_image_detections(c, h, case2_id, started)
        assert {d["media_url"] for d in media2} == {post.media_urls[0]}
        assert time.monotonic() - started < DEADLINE_S
    finally:
        workers.stop()


# -- the stored-media index (retroindex.py) against the full scan, on one database -----------


def _hex(rng: np.random.Generator) -> str:
    return rng.integers(0, 256, 32, dtype=np.uint8).tobytes().hex()


def _flip(value: str, bits: int, rng: np.random.Generator) -> str:
    code = np.unpackbits(np.frombuffer(bytes.fromhex(value), np.uint8))
    code[rng.choice(256, bits, replace=False)] ^= 1
    return np.packbits(code).tobytes().hex()


def test_index_finds_what_the_full_scan_finds(tmp_path: Path) -> None:
    from takedown.matching.hashes import MediaHashes, PdqVariant, ReferenceHashes
    from takedown.media.video import VideoFrameHash
    from takedown.pipeline.retroindex import StoredMediaIndex
    from takedown.pipeline.stages.retro import scan_all, search_index
    from takedown.store.db import Database
    from takedown.store.migrate import upgrade
    from takedown.store.tables import Media

    rng = np.random.default_rng(7)
    db = Database(f"sqlite:///{tmp_path / 'retro.db'}")
    upgrade(db, tmp_path)
    photo, frames = _hex(rng), [_hex(rng) for _ in range(12)]
    digest = "ab" * 32
    rows: list[tuple[str, dict[str, Any]]] = []

    def image(value: str, quality: int = 90, sha: str | None = None) -> dict[str, Any]:
        return MediaHashes("image", sha256=sha, pdq=(PdqVariant(value, quality),)).to_dict()

    def video(values: list[str]) -> dict[str, Any]:
        vf = tuple(VideoFrameHash(v, 90, float(t), t * 25) for t, v in enumerate(values))
        return MediaHashes("video", vpdq=vf, duration=float(len(values))).to_dict()

    rows += [("done", image(_hex(rng))) for _ in range(400)]  # unrelated
    rows += [("done", image(_flip(photo, 8 + k, rng))) for k in range(0, 20, 5)]  # near copies
    rows += [("done", image(_flip(photo, 70, rng)))]  # far: not a match
    rows += [("done", image(_flip(photo, 4, rng), quality=20))]  # untrusted: not a match
    rows += [("done", image(_hex(rng), sha=digest))]  # the same file, by digest
    rows += [("done", video([_flip(f, 6, rng) for f in frames[2:10]]))]  # a trimmed copy
    rows += [("fetching", {})]  # becomes a near copy once fetched
    with db.session() as s:
        for k, (state, hashes) in enumerate(rows):
            s.add(Media(url_hash=f"{k:064x}", url=f"http://x/{k}", state=state, hashes=hashes))
    ref = ReferenceHashes("image", sha256=digest, pdq=(PdqVariant(photo, 100),))
    clip = ReferenceHashes(
        "video", vpdq=tuple(VideoFrameHash(v, 90, t, t) for t, v in enumerate(frames))
    )
    index = StoredMediaIndex()

    def ids(hits: list[tuple[int, Any]]) -> set[int]:
        return {media_id for media_id, _results in hits}

    near = set(range(401, 405)) | {407}
    assert ids(search_index(db, index, 1, 1, ref)) == ids(scan_all(db, 1, 1, ref)) == near
    assert index.media == len(rows) - 1 and index.codes == len(rows) - 2 + 7
    assert ids(search_index(db, index, 2, 1, clip)) == ids(scan_all(db, 2, 1, clip)) == {408}
    with db.session() as s:  # the file being fetched is hashed: the next reference sees it
        late = s.get(Media, len(rows))
        assert late is not None
        late.state, late.hashes = "done", image(_flip(photo, 3, rng))
    assert ids(search_index(db, index, 3, 1, ref)) == near | {len(rows)}
    assert index.media == len(rows)


def test_the_hash_lane_builds_the_stored_media_index_at_start(tmp_path: Path) -> None:
    """The stored-media index is built when the workers start, not by the first new reference
    (at a million media that takes a minute, which the reference would otherwise wait)."""
    from takedown.matching.hashes import MediaHashes, PdqVariant
    from takedown.pipeline.stages.retro import RetroStage
    from takedown.store.tables import Media

    rng = np.random.default_rng(11)
    rt = Runtime(Settings(home=tmp_path))
    try:
        with rt.db.session() as s:
            for k in range(300):
                hashes = MediaHashes("image", pdq=(PdqVariant(_hex(rng), 90),)).to_dict()
                s.add(Media(url_hash=f"{k:064x}", url=f"http://x/{k}", state="done", hashes=hashes))
        stage = rt.stages["retro"]
        assert isinstance(stage, RetroStage) and stage.index.media == 0
        workers = Workers(rt, ("hash",))
        workers.start()
        try:
            deadline = time.monotonic() + 20
            while stage.index.media < 300 and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            workers.stop()
        assert stage.index.media == 300 and stage.index.codes == 300
    finally:
        rt.close()
