"""Bounded video hashing: vPDQ frame hashes at 1 frame/s, capped in duration and frames.

vpdq reads a file, so uploaded bytes go to an in-memory file (memfd), never to the disk. A video
longer than the cap is first cut (stream copy, no re-encode) so a 6-hour upload costs no more
than ``max_seconds`` of decoding.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import vpdq

from takedown.media.errors import MediaError
from takedown.media.letterbox import CropBox, detect_letterbox, hash_cropped
from takedown.media.sniff import sniff


@dataclass(frozen=True)
class VideoLimits:
    """Bounds on the work one video may cause."""

    max_seconds: float = 600.0
    max_frames: int = 600
    seconds_per_hash: float = 1.0
    # Frames larger than this (longer side) are downsampled before PDQ: 4K costs like 720p.
    max_side: int = 1280
    timeout_seconds: float = 120.0
    threads: int = 1
    # Sample a few frames for uniform bars and hash the frames without them (see letterbox.py).
    letterbox: bool = True


@dataclass(frozen=True)
class VideoFrameHash:
    """The PDQ hash of one sampled frame."""

    hex: str
    quality: int
    timestamp: float
    frame_number: int


@dataclass(frozen=True)
class VideoInfo:
    """What ffprobe says about a file's first video stream."""

    duration: float
    width: int
    height: int
    frames: int | None


@dataclass(frozen=True)
class VideoHashes:
    """Frame hashes of a video, and whether the caps cut it short."""

    frames: tuple[VideoFrameHash, ...]
    info: VideoInfo
    truncated: bool


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(args, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise MediaError(f"{args[0]} timed out after {timeout:.0f} s") from exc
    except OSError as exc:
        raise MediaError(f"cannot run {args[0]}: {exc}") from exc


def probe(path: Path, timeout: float = 30.0) -> VideoInfo:
    """Duration and size of the first video stream; ``MediaError`` when there is none."""
    result = _run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=width,height,nb_frames,duration:format=duration",
            "-of",
            "json",
            str(path),
        ],
        timeout,
    )
    if result.returncode != 0:
        lines = result.stderr.decode("utf-8", "replace").strip().splitlines()
        # ffprobe prefixes the temporary path; the reason is what matters to the reader.
        detail = lines[-1].replace(f"{path}: ", "") if lines else "ffprobe failed"
        raise MediaError(f"corrupt or unsupported video: {detail}")
    try:
        report = json.loads(result.stdout or b"{}")
    except ValueError as exc:
        raise MediaError("corrupt video: unreadable probe output") from exc
    streams = report.get("streams") or []
    if not streams:
        raise MediaError("no video stream in the file")
    stream = streams[0]
    width, height = int(stream.get("width") or 0), int(stream.get("height") or 0)
    if width <= 0 or height <= 0:
        raise MediaError("video stream has no frame size")
    duration = _float(stream.get("duration")) or _float(report.get("format", {}).get("duration"))
    frames = stream.get("nb_frames")
    frame_count = int(frames) if frames and str(frames).isdigit() else None
    if frame_count == 0:
        raise MediaError("video has 0 frames")
    return VideoInfo(duration or 0.0, width, height, frame_count)


def _float(value: object) -> float | None:
    try:
        number = float(str(value))
    except ValueError:
        return None
    return number if math.isfinite(number) and number > 0 else None


def _downsample(info: VideoInfo, max_side: int) -> tuple[int, int]:
    if max_side <= 0 or max(info.width, info.height) <= max_side:
        return 0, 0
    scale = max_side / max(info.width, info.height)
    return max(2, round(info.width * scale)), max(2, round(info.height * scale))


def hash_video_file(path: Path, limits: VideoLimits | None = None) -> VideoHashes:
    """vPDQ frame hashes of a video file within ``limits``."""
    limits = limits or VideoLimits()
    info = probe(path, limits.timeout_seconds)
    cap = limits.max_seconds
    if limits.seconds_per_hash > 0:
        cap = min(cap, limits.max_frames * limits.seconds_per_hash)
    truncated = info.duration == 0.0 or info.duration > cap
    with tempfile.TemporaryDirectory(prefix="takedown-video-") as tmp:
        source = path
        if truncated:
            # Unknown or excessive duration: keep only the first `cap` seconds, without
            # re-encoding, so decoding work is bounded whatever the container claims.
            source = Path(tmp) / f"cut{path.suffix or '.mkv'}"
            cut = _run(
                [
                    *("ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(path)),
                    *("-t", f"{cap:.3f}", "-map", "0:v:0", "-c", "copy", str(source)),
                ],
                limits.timeout_seconds,
            )
            if cut.returncode != 0 or not source.exists() or source.stat().st_size == 0:
                raise MediaError("corrupt video: cannot read its stream")
        box = None
        if limits.letterbox:
            box = detect_letterbox(
                source, info.width, info.height, min(info.duration or cap, cap), 30.0
            )
        if box is None:
            frames = _vpdq_frames(source, info, limits, cap)
        else:
            frames = _cropped_frames(source, box, limits, cap)
    if not frames:
        raise MediaError("video has no decodable frames")
    return VideoHashes(frames, info, truncated and info.duration != 0.0)


def _vpdq_frames(
    source: Path, info: VideoInfo, limits: VideoLimits, cap: float
) -> tuple[VideoFrameHash, ...]:
    width, height = _downsample(info, limits.max_side)
    try:
        features = vpdq.computeHash(
            str(source),
            seconds_per_hash=limits.seconds_per_hash,
            downsample_width=width,
            downsample_height=height,
            thread_count=limits.threads,
        )
    except (RuntimeError, ValueError, OSError) as exc:
        raise MediaError(f"corrupt video stream: {exc}") from exc
    return tuple(
        VideoFrameHash(f.hex, int(f.quality), round(float(f.timestamp), 3), int(f.frame_number))
        for f in features
        if f.timestamp <= cap + 1e-6
    )[: limits.max_frames]


def _cropped_frames(
    source: Path, box: CropBox, limits: VideoLimits, cap: float
) -> tuple[VideoFrameHash, ...]:
    frames = hash_cropped(
        source,
        box,
        seconds_per_hash=limits.seconds_per_hash,
        max_seconds=cap,
        max_frames=limits.max_frames,
        max_side=limits.max_side,
        timeout=limits.timeout_seconds,
    )
    # ffmpeg's fps filter gives no source frame number: the sample's index stands in for it.
    return tuple(
        VideoFrameHash(f.hex, f.quality, f.timestamp, number) for number, f in enumerate(frames)
    )


def hash_video(data: bytes, limits: VideoLimits | None = None) -> VideoHashes:
    """vPDQ frame hashes of video bytes (written to a temporary file that is removed)."""
    if not data:
        raise MediaError("empty file (0 bytes)")
    if sniff(data) == "image":
        raise MediaError("not a video: the content is an image")
    with memory_file(data) as path:
        return hash_video_file(path, limits)


@contextmanager
def memory_file(data: bytes) -> Iterator[Path]:
    """``data`` as a path that lives in memory only (a memfd): a SIGKILL leaves nothing on disk.

    ffprobe, ffmpeg and vpdq open it by its ``/proc/<pid>/fd/<n>`` name. Without memfd (not
    Linux), a private temporary directory is used instead.
    """
    create = getattr(os, "memfd_create", None)
    if create is None:
        with tempfile.TemporaryDirectory(prefix="takedown-video-") as tmp:
            path = Path(tmp) / "input"
            path.write_bytes(data)
            yield path
        return
    fd = create("takedown-upload", getattr(os, "MFD_CLOEXEC", 0))
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        yield Path(f"/proc/{os.getpid()}/fd/{fd}")
    finally:
        os.close(fd)
