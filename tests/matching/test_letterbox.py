"""Letterboxed and pillarboxed re-uploads of a video still match its reference."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from takedown.matching.engine import Matcher
from takedown.matching.hashing import HashLimits, hash_media, hash_reference
from takedown.media.letterbox import detect_letterbox
from takedown.media.video import probe
from tests.matching.conftest import ffmpeg

# (output size, pad filter): black bars above and below, and white bars left and right.
BOXES = {
    "letterbox": "scale=320:240,pad=320:360:0:60:black",
    "pillarbox": "scale=240:180,pad=360:180:60:0:white",
}


@pytest.fixture(scope="module")
def matcher(reference_clip: Path) -> Matcher:
    found = Matcher()
    found.add(60, 6, hash_reference(reference_clip.read_bytes()))
    return found


@pytest.mark.parametrize("name", sorted(BOXES))
def test_boxed_copy_matches_its_reference(
    matcher: Matcher, reference_clip: Path, video_dir: Path, name: str
) -> None:
    boxed = video_dir / f"{name}.mp4"
    ffmpeg("-i", str(reference_clip), "-vf", BOXES[name], "-c:v", "libx264", str(boxed))
    info = probe(boxed)
    box = detect_letterbox(boxed, info.width, info.height, info.duration)
    assert box is not None
    if name == "letterbox":
        assert (box.x, box.width) == (0, 320) and abs(box.y - 60) <= 4
        assert abs(box.height - 240) <= 8
    else:
        assert (box.y, box.height) == (0, 180) and abs(box.x - 60) <= 4
    media = hash_media(boxed.read_bytes())
    assert len(media.vpdq) == 12
    assert [(r.reference_id, r.algorithm) for r in matcher.match(media)] == [(60, "vpdq")]
    # Without bar removal the same copy is missed: the test exercises the crop.
    plain = HashLimits()
    plain = replace(plain, video=replace(plain.video, letterbox=False))
    assert matcher.match(hash_media(boxed.read_bytes(), plain)) == []


def test_clip_without_bars_is_not_cropped(reference_clip: Path, other_clip: Path) -> None:
    for clip in (reference_clip, other_clip):
        info = probe(clip)
        assert detect_letterbox(clip, info.width, info.height, info.duration) is None
