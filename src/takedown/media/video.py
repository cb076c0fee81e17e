"""Bounded video hashing: vPDQ frame hashes at 1 frame/s, capped in duration and frames.

Decoders read a file, so uploaded bytes go to an in-memory file (memfd), never to the disk. A
video longer than the cap is first cut (stream copy, no re-encode) so a 6-hour upload costs no
more than ``max_seconds`` of decoding. Every decoder runs as a child process under a time and
memory limit (see limits.py): a crashing or hanging file fails alone. By default a long-lived
decoder worker (workers.py, decodeworker.py) reads the stream's size, the frames, the bars and
the sound in one pass; the older chain of child processes (ffprobe, a letterbox check, ffmpeg,
fpcalc) and the vpdq library in its own child remain options.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from takedown.media import workers
from takedown.media.audio import AudioLimits, AudioPrint, fingerprint_file
from takedown.media.errors import MediaError
from takedown.media.letterbox import CropBox, detect_letterbox, hash_cropped
from takedown.media.limits import DEFAULT_MEMORY_MB, crash_reason, run_limited
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
    # Address-space limit of each decoder child process (ffprobe, ffmpeg, vpdq, fpcalc).
    memory_mb: int = DEFAULT_MEMORY_MB
    threads: int = 1
    # Sample a few frames for uniform bars and hash the frames without them (see letterbox.py).
    letterbox: bool = True
    # Fingerprint the sound track too (Chromaprint, see audio.py): a second signal.
    audio: bool = True
    # "worker": one pass in a reused, limited decoder worker (PyAV; falls back to "ffmpeg"
    # when PyAV is missing). "ffmpeg": ffprobe, then ffmpeg decodes (a limited child) and PDQ
    # hashes the raw frames, fpcalc fingerprints the sound. "vpdq": the vpdq library in a
    # limited child (frame counts). All time frames by presentation time except vpdq.
    decoder: Literal["worker", "ffmpeg", "vpdq"] = "worker"


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
    fps: float = 0.0  # average frame rate; 0 when unknown


@dataclass(frozen=True)
class VideoHashes:
    """Frame hashes of a video, and whether the caps cut it short."""

    frames: tuple[VideoFrameHash, ...]
    info: VideoInfo
    truncated: bool
    audio: AudioPrint | None = None  # None: no sound track, or it could not be read
    audio_error: str | None = None


def _run(
    args: list[str], timeout: float, memory_mb: int = DEFAULT_MEMORY_MB
) -> subprocess.CompletedProcess[bytes]:
    result = run_limited(args, timeout=timeout, memory_mb=memory_mb)
    crashed = crash_reason(result, args[0])
    if crashed is not None:
        raise MediaError(f"corrupt video: {crashed}")
    return result


def probe(path: Path, timeout: float = 30.0, memory_mb: int = DEFAULT_MEMORY_MB) -> VideoInfo:
    """Duration and size of the first video stream; ``MediaError`` when there is none."""
    result = _run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=width,height,nb_frames,duration,avg_frame_rate:format=duration",
            "-of",
            "json",
            str(path),
        ],
        timeout,
        memory_mb,
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
    return VideoInfo(
        duration or 0.0, width, height, frame_count, _rate(stream.get("avg_frame_rate"))
    )


def _rate(value: object) -> float:
    """ffprobe's "30000/1001" as a number; 0.0 when absent or nonsense."""
    num, _, den = str(value or "").partition("/")
    try:
        rate = float(num) / float(den or 1)
    except (ValueError, ZeroDivisionError):
        return 0.0
    return rate if math.isfinite(rate) and 0 < rate <= 1000 else 0.0


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
    cap = limits.max_seconds
    if limits.seconds_per_hash > 0:
        cap = min(cap, limits.max_frames * limits.seconds_per_hash)
    if limits.decoder == "worker" and workers.available():
        return _worker_hashes(path, limits, cap)
    info = probe(path, limits.timeout_seconds, limits.memory_mb)
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
                limits.memory_mb,
            )
            if cut.returncode != 0 or not source.exists() or source.stat().st_size == 0:
                raise MediaError("corrupt video: cannot read its stream")
        box = None
        if limits.letterbox:
            box = detect_letterbox(
                source,
                info.width,
                info.height,
                min(info.duration or cap, cap),
                min(30.0, limits.timeout_seconds),
                limits.memory_mb,
            )
        if box is None and limits.decoder == "vpdq":
            frames = _vpdq_frames(source, info, limits, cap)
        else:
            frames = _cropped_frames(source, info, box, limits, cap)
    if not frames:
        raise MediaError("video has no decodable frames")
    audio, audio_error = None, None
    if limits.audio:
        try:
            audio = fingerprint_file(
                path, AudioLimits(True, max(1, int(cap)), limits.timeout_seconds, limits.memory_mb)
            )
        except MediaError as exc:  # the picture still matches: note it, keep the frames
            audio_error = exc.reason
    return VideoHashes(frames, info, truncated and info.duration != 0.0, audio, audio_error)


def _worker_hashes(path: Path, limits: VideoLimits, cap: float) -> VideoHashes:
    request = {
        "path": str(path),
        "step": max(limits.seconds_per_hash, 0.0),
        "cap": cap,
        "max_frames": limits.max_frames,
        "max_side": limits.max_side,
        "letterbox": limits.letterbox,
        "audio": limits.audio,
    }
    reply = workers.run(request, timeout=limits.timeout_seconds, memory_mb=limits.memory_mb)
    raw = reply["info"]
    info = VideoInfo(
        float(raw["duration"]),
        int(raw["width"]),
        int(raw["height"]),
        int(raw["frames"]) if raw.get("frames") else None,
        float(raw["fps"]),
    )
    step = limits.seconds_per_hash
    frames = tuple(
        VideoFrameHash(
            str(hex_),
            int(quality),
            float(t),
            round(float(t) * info.fps) if info.fps and step > 0 else number,
        )
        for number, (hex_, quality, t) in enumerate(reply["frames"])
    )
    if not frames:
        raise MediaError("video has no decodable frames")
    values = reply.get("audio")
    audio = (
        AudioPrint(tuple(int(v) & 0xFFFFFFFF for v in values), info.duration) if values else None
    )
    error = reply.get("audio_error")
    truncated = info.duration > cap
    return VideoHashes(frames, info, truncated, audio, str(error) if error else None)


# The vpdq child: hashes the file and prints one "hex quality timestamp frame" line per frame.
_VPDQ_CHILD = (
    "import sys,vpdq;"
    "a=sys.argv;"
    "f=vpdq.computeHash(a[1],seconds_per_hash=float(a[2]),downsample_width=int(a[3]),"
    "downsample_height=int(a[4]),thread_count=int(a[5]));"
    "sys.stdout.write(''.join("
    "f'{x.hex} {int(x.quality)} {float(x.timestamp):.3f} {int(x.frame_number)}\\n' for x in f))"
)


def _vpdq_frames(
    source: Path, info: VideoInfo, limits: VideoLimits, cap: float
) -> tuple[VideoFrameHash, ...]:
    width, height = _downsample(info, limits.max_side)
    args = [sys.executable, "-I", "-c", _VPDQ_CHILD, str(source), str(limits.seconds_per_hash)]
    args += [str(width), str(height), str(limits.threads)]
    result = _run(args, limits.timeout_seconds, limits.memory_mb)
    if result.returncode != 0:
        lines = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise MediaError(f"corrupt video stream: {lines[-1] if lines else 'vpdq failed'}")
    frames = []
    for line in result.stdout.decode("ascii", "replace").splitlines():
        hex_, quality, timestamp, number = line.split()
        if float(timestamp) <= cap + 1e-6:
            frames.append(VideoFrameHash(hex_, int(quality), float(timestamp), int(number)))
    return tuple(frames)[: limits.max_frames]


def _cropped_frames(
    source: Path, info: VideoInfo, box: CropBox | None, limits: VideoLimits, cap: float
) -> tuple[VideoFrameHash, ...]:
    frames = hash_cropped(
        source,
        box,
        width=info.width,
        height=info.height,
        seconds_per_hash=limits.seconds_per_hash,
        max_seconds=cap,
        max_frames=limits.max_frames,
        max_side=limits.max_side,
        timeout=limits.timeout_seconds,
        memory_mb=limits.memory_mb,
    )
    # The source frame number, as vpdq counts it: from the presentation time and the average
    # rate (exact at a constant rate), or the sample's index when the rate is unknown.
    return tuple(
        VideoFrameHash(
            f.hex,
            f.quality,
            f.timestamp,
            round(f.timestamp * info.fps) if info.fps and limits.seconds_per_hash else number,
        )
        for number, f in enumerate(frames)
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
