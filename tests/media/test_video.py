"""Bounded video hashing: vPDQ at 1 frame/s, caps on duration and frames, clean errors."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from takedown.media.errors import MediaError
from takedown.media.video import VideoLimits, hash_video, hash_video_file, probe
from tests.media.conftest import make_clip


def test_one_hash_per_second(clip_bytes: bytes) -> None:
    hashes = hash_video(clip_bytes)
    assert len(hashes.frames) == 5
    assert [f.timestamp for f in hashes.frames] == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert all(len(f.hex) == 64 and 0 <= f.quality <= 100 for f in hashes.frames)
    assert not hashes.truncated
    assert hashes.info.width == 160 and hashes.info.height == 120


def test_frame_cap(clip_bytes: bytes) -> None:
    hashes = hash_video(clip_bytes, VideoLimits(max_frames=2))
    assert len(hashes.frames) == 2
    assert hashes.truncated


def test_temporary_files_are_removed(clip_bytes: bytes, tmp_path: Path) -> None:
    import tempfile

    before = set(Path(tempfile.gettempdir()).glob("takedown-video-*"))
    hash_video(clip_bytes, VideoLimits(max_seconds=2))
    assert set(Path(tempfile.gettempdir()).glob("takedown-video-*")) == before


@pytest.mark.slow
def test_six_hour_video_gets_bounded_work(tmp_path: Path) -> None:
    # One frame a minute keeps the file small; the container still says 6 hours.
    path = make_clip(tmp_path / "long.mp4", 6 * 3600, size="64x48", rate=1 / 60)
    assert probe(path).duration > 5 * 3600
    start = time.perf_counter()
    hashes = hash_video_file(path, VideoLimits(max_seconds=300))
    elapsed = time.perf_counter() - start
    assert hashes.truncated
    assert hashes.frames and max(f.timestamp for f in hashes.frames) <= 300
    assert elapsed < 20


def test_zero_frame_video(tmp_path: Path) -> None:
    path = tmp_path / "audio.mp4"
    subprocess.run(
        [
            *("ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi"),
            *("-i", "sine=frequency=440:duration=1", "-c:a", "aac", str(path)),
        ],
        check=True,
    )
    with pytest.raises(MediaError, match="no video stream"):
        hash_video(path.read_bytes())


def test_corrupt_stream(clip_bytes: bytes) -> None:
    # Keep the container header, replace the media data with noise.
    damaged = bytearray(clip_bytes)
    start = len(damaged) // 4
    damaged[start:] = bytes((i * 37) % 251 for i in range(len(damaged) - start))
    with pytest.raises(MediaError):
        hash_video(bytes(damaged))


def test_truncated_video(clip_bytes: bytes) -> None:
    with pytest.raises(MediaError, match="corrupt"):
        hash_video(clip_bytes[:2000])


def test_empty_and_image_bytes() -> None:
    with pytest.raises(MediaError, match="empty"):
        hash_video(b"")
    with pytest.raises(MediaError, match="image"):
        hash_video(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
