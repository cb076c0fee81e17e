"""vPDQ against upstream's expected frame hashes: equal frame counts, per-frame distance < 31."""

from __future__ import annotations

from pathlib import Path

import pytest

from takedown.matching.hashers.pdq import hamming_hex
from takedown.media.video import VideoLimits, hash_video_file
from tests.conformance.conftest import VPDQ

# Upstream hashes frames as they are: bar removal (takedown's own addition) stays off here.
EVERY_FRAME = VideoLimits(
    seconds_per_hash=0,
    max_side=0,
    max_frames=10_000,
    max_seconds=3600,
    threads=0,
    letterbox=False,
)
EXPECTED = sorted((VPDQ / "expected" / "full-resolution").glob("*.txt"))
# Upstream's comparison: frames where both sides have quality >= 50 must be < 31 bits apart.
QUALITY = 50
FRAME_DISTANCE = 31


def _expected(path: Path) -> list[tuple[int, int, str]]:
    rows = []
    for line in path.read_text("utf-8").splitlines():
        if line.strip():
            number, quality, value, _seconds = line.split(",")
            rows.append((int(number), int(quality), value))
    return rows


def _check(video: Path, expected: list[tuple[int, int, str]], limits: VideoLimits) -> int:
    frames = hash_video_file(video, limits).frames
    assert len(frames) == len(expected), video.name
    compared = 0
    for got, (number, quality, value) in zip(frames, expected, strict=True):
        assert got.frame_number == number
        if got.quality >= QUALITY and quality >= QUALITY:
            assert hamming_hex(got.hex, value) < FRAME_DISTANCE, (video.name, number)
            compared += 1
    return compared


# Hashing every frame of all 11 clips takes ~40 s here: four clips (one of each kind) do it,
# and every clip is checked at 1 frame/s against the same upstream frames.
EVERY_FRAME_CLIPS = {
    "chair-19-sd-bar",
    "doorknob-hd-no-bar",
    "pattern-sd-with-small-logo-bar",
    "test-padded-dimensions",
}


@pytest.mark.slow
@pytest.mark.parametrize(
    "expected", [p for p in EXPECTED if p.stem in EVERY_FRAME_CLIPS], ids=lambda p: p.stem
)
def test_every_frame_matches_upstream(expected: Path) -> None:
    video = VPDQ / "videos" / f"{expected.stem}.mp4"
    assert _check(video, _expected(expected), EVERY_FRAME) > 0


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda p: p.stem)
def test_one_frame_per_second_matches_upstream_frames(expected: Path) -> None:
    video = VPDQ / "videos" / f"{expected.stem}.mp4"
    limits = VideoLimits(max_side=0, threads=0, letterbox=False)
    frames = hash_video_file(video, limits).frames
    by_number = {number: (quality, value) for number, quality, value in _expected(expected)}
    assert len(EXPECTED) == 11
    assert len(frames) >= 3
    for got in frames:
        quality, value = by_number[got.frame_number]
        if got.quality >= QUALITY and quality >= QUALITY:
            assert hamming_hex(got.hex, value) < FRAME_DISTANCE, (video.name, got.frame_number)


def test_one_frame_per_second_matches_python_threatexchange() -> None:
    text = (VPDQ / "expected" / "pytx-1-second" / "chair-20-sd-bar.csv").read_text("utf-8")
    header, *lines = text.lstrip("# ").splitlines()
    rows = [dict(zip(header.split(","), line.split(","), strict=True)) for line in lines if line]
    video = VPDQ / "videos" / "chair-20-sd-bar.mp4"
    frames = hash_video_file(video, VideoLimits(letterbox=False)).frames
    assert len(frames) == len(rows) == 21
    for got, row in zip(frames, rows, strict=True):
        assert got.timestamp == pytest.approx(float(row["assumed_timestamp_s"]), abs=0.05)
        assert hamming_hex(got.hex, row["pdq_hash"]) < FRAME_DISTANCE


def test_video_md5_matches_upstream_test_data() -> None:
    from takedown.matching.hashers.exact import exact_hex

    data = (VPDQ / "videos" / "chair-19-sd-bar.mp4").read_bytes()
    assert exact_hex("md5", data) == "0a21c8f85a55a9e276ffc2c53f6887c4"
