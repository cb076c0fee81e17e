"""Decoders as limited child processes: a hang, a crash or a memory balloon is a MediaError."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Literal

import pytest

from takedown.matching.hashing import HashLimits, hash_media
from takedown.media.audio import AudioLimits, fingerprint_file, fpcalc_available
from takedown.media.errors import MediaError
from takedown.media.letterbox import _frames
from takedown.media.limits import crash_reason, run_limited
from takedown.media.video import VideoLimits, hash_video
from tests.media.conftest import make_clip


def test_memory_limit_stops_a_ballooning_child() -> None:
    grab = [sys.executable, "-c", "b = bytearray(1 << 30); print(len(b))"]
    assert run_limited(grab, timeout=30, memory_mb=0).returncode == 0  # no limit: it fits
    limited = run_limited(grab, timeout=30, memory_mb=300)
    assert limited.returncode != 0 and b"MemoryError" in limited.stderr


def test_a_hanging_child_is_killed_at_its_timeout() -> None:
    started = time.monotonic()
    with pytest.raises(MediaError, match="timed out"):
        run_limited(["sleep", "30"], timeout=0.5)
    assert time.monotonic() - started < 5


def test_a_crash_is_named() -> None:
    crash = [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"]
    assert crash_reason(run_limited(crash, timeout=30), "vpdq") == "vpdq crashed (signal 11)"


def test_a_hung_frame_stream_ends_with_an_error_not_a_block() -> None:
    started = time.monotonic()
    with pytest.raises(MediaError, match="killed"):
        list(_frames(["sleep", "30"], (8, 8), timeout=0.5, memory_mb=256))
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("decoder", ["worker", "ffmpeg"])
def test_video_decode_over_its_time_limit_fails_cleanly(
    clip_bytes: bytes, tmp_path: Path, decoder: Literal["worker", "ffmpeg"]
) -> None:
    hash_video(clip_bytes, VideoLimits(decoder=decoder))  # a warm worker: only the file counts
    # A warm worker hashes the 5 s test clip within 10 ms: the file must take longer.
    big = make_clip(tmp_path / "big.mp4", 10, size="640x360", rate=25).read_bytes()
    limits = VideoLimits(timeout_seconds=0.01, letterbox=False, decoder=decoder)
    with pytest.raises(MediaError, match="timed out"):
        hash_video(big, limits)


def test_video_decode_over_its_memory_limit_fails_cleanly(clip_bytes: bytes) -> None:
    with pytest.raises(MediaError):
        hash_video(clip_bytes, VideoLimits(memory_mb=24, letterbox=False))


def test_ffmpeg_decode_gives_the_hashes_vpdq_gives(clip_bytes: bytes) -> None:
    import vpdq

    from takedown.media.video import memory_file

    with memory_file(clip_bytes) as path:
        direct = vpdq.computeHash(str(path), seconds_per_hash=1.0, thread_count=1)
    frames = hash_video(clip_bytes, VideoLimits(letterbox=False, audio=False)).frames
    assert [f.hex for f in frames] == [f.hex for f in direct]


@pytest.mark.skipif(not fpcalc_available(), reason="fpcalc not installed")
def test_silent_clip_has_no_fingerprint_and_no_error(clip: Path) -> None:
    assert fingerprint_file(clip) is None
    media = hash_media(clip.read_bytes(), HashLimits())
    assert media.kind == "video" and media.audio is None and media.notes == ()


@pytest.mark.skipif(not fpcalc_available(), reason="fpcalc not installed")
def test_fpcalc_over_its_memory_limit_is_a_media_error(clip: Path) -> None:
    with pytest.raises(MediaError, match=r"fpcalc|sound track"):
        fingerprint_file(clip, AudioLimits(timeout_seconds=30, memory_mb=8))
