"""The reused decoder worker: one pass gives what ffprobe, ffmpeg and fpcalc gave, and a file
that kills its worker costs that worker only."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from pathlib import Path

import pytest

from takedown.media import chromaprint, decodeworker, workers
from takedown.media.audio import fingerprint_file, fpcalc_available
from takedown.media.errors import MediaError
from takedown.media.video import VideoLimits, hash_video, hash_video_file, probe
from tests.media.conftest import make_clip

pytestmark = pytest.mark.skipif(not workers.available(), reason="PyAV not installed")


@pytest.fixture(scope="module")
def sound_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("worker") / "sound.mp4"
    subprocess.run(
        [
            *("ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi"),
            *("-i", "testsrc2=size=160x120:rate=25", "-f", "lavfi"),
            *("-i", "sine=frequency=330:beep_factor=3:duration=8", "-t", "8"),
            *("-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast"),
            *("-c:a", "aac", str(path)),
        ],
        check=True,
    )
    return path


def test_one_pass_gives_the_chain_of_processes_results(sound_clip: Path) -> None:
    new = hash_video_file(sound_clip, VideoLimits())
    old = hash_video_file(sound_clip, VideoLimits(decoder="ffmpeg"))
    assert [f.hex for f in new.frames] == [f.hex for f in old.frames]
    assert [f.timestamp for f in new.frames] == [f.timestamp for f in old.frames]
    assert [f.frame_number for f in new.frames] == [f.frame_number for f in old.frames]
    info = probe(sound_clip)
    assert (new.info.width, new.info.height, new.info.fps) == (info.width, info.height, info.fps)
    assert new.info.duration == pytest.approx(info.duration, abs=0.1)


@pytest.mark.skipif(not fpcalc_available(), reason="fpcalc not installed")
def test_sound_print_is_the_one_fpcalc_makes(sound_clip: Path) -> None:
    printed = fingerprint_file(sound_clip)
    hashed = hash_video_file(sound_clip, VideoLimits()).audio
    assert printed is not None and hashed is not None
    assert len(printed.values) > 20
    assert hashed.values == printed.values


def test_a_worker_is_reused_and_replaced_after_it_dies(clip_bytes: bytes) -> None:
    limits = VideoLimits(audio=False)
    first = hash_video(clip_bytes, limits)
    idle = [w for pool in workers._idle.values() for w in pool]
    pids = {w.process.pid for w in idle}
    hash_video(clip_bytes, limits)
    assert {w.process.pid for pool in workers._idle.values() for w in pool} == pids
    for worker in idle:  # a decoder crash between files: the next file gets a new worker
        os.kill(worker.process.pid, signal.SIGSEGV)
        worker.process.wait()
    again = hash_video(clip_bytes, limits)
    assert [f.hex for f in again.frames] == [f.hex for f in first.frames]
    assert not pids & {w.process.pid for pool in workers._idle.values() for w in pool}


def test_a_timeout_kills_only_its_worker(clip_bytes: bytes, tmp_path: Path) -> None:
    hash_video(clip_bytes, VideoLimits())  # a warm worker: the limit is on the file alone
    big = make_clip(tmp_path / "big.mp4", 10, size="640x360", rate=25)
    with pytest.raises(MediaError, match="timed out"):
        hash_video(big.read_bytes(), VideoLimits(timeout_seconds=0.01))
    assert len(hash_video(clip_bytes, VideoLimits()).frames) == 5


def test_a_worker_that_cannot_start_is_a_media_error(clip_bytes: bytes) -> None:
    with pytest.raises(MediaError, match="could not start"):
        hash_video(clip_bytes, VideoLimits(memory_mb=24))


def test_letterbox_is_found_on_the_decoded_frames(tmp_path: Path, clip: Path) -> None:
    boxed = tmp_path / "boxed.mp4"
    subprocess.run(
        [
            *("ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(clip)),
            *("-vf", "pad=160:180:0:30:black", "-c:v", "libx264", "-preset", "ultrafast"),
            str(boxed),
        ],
        check=True,
    )
    from takedown.matching.hashers.pdq import hamming_hex

    plain = hash_video_file(clip, VideoLimits(letterbox=False)).frames
    cropped = hash_video_file(boxed, VideoLimits()).frames
    uncropped = hash_video_file(boxed, VideoLimits(letterbox=False)).frames
    near = [hamming_hex(a.hex, b.hex) for a, b in zip(plain, cropped, strict=True)]
    far = [hamming_hex(a.hex, b.hex) for a, b in zip(plain, uncropped, strict=True)]
    assert max(near) <= 31 < min(far)


def _sound_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "sound" and t.is_alive()]


@pytest.mark.skipif(not chromaprint.available(), reason="libchromaprint not installed")
def test_the_sound_thread_ends_with_its_file(
    sound_clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    request = {
        **{"path": str(sound_clip), "step": 1.0, "cap": 600.0, "max_frames": 600},
        **{"max_side": 1280, "letterbox": True, "audio": True},
    }
    reply = decodeworker.hash_file(request)
    assert reply["audio"] and len(reply["frames"]) == 8 and not _sound_threads()

    def broken(*_args: object) -> list[list[object]]:
        raise decodeworker.WorkerError("the picture failed")

    monkeypatch.setattr(decodeworker, "_picture", broken)
    with pytest.raises(decodeworker.WorkerError, match="picture failed"):
        decodeworker.hash_file(request)
    assert not _sound_threads()  # a failed picture does not leave the sound thread waiting


@pytest.mark.skipif(not chromaprint.available(), reason="libchromaprint not installed")
def test_a_sound_that_breaks_its_thread_is_recorded_and_the_thread_ends() -> None:
    class Broken:
        stream = None

        def decode(self) -> list[object]:
            raise RuntimeError("zorblat decoder fault")

    sound = decodeworker._SoundThread(decodeworker._Sound(10.0))
    for _ in range(3):
        sound.packet(Broken())
    assert sound.finish() is None
    assert sound.sound.error is not None and "zorblat decoder fault" in sound.sound.error
    assert not _sound_threads()
