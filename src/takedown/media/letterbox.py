"""Video letterbox removal: find the bars once per video, then hash every frame without them.

Black bars move every frame's PDQ far beyond the match threshold, and vpdq decodes the file
itself with no crop option. So a few frames are sampled to find the bars; when there are
some, ffmpeg decodes the video cropped, at one frame per ``seconds_per_hash``, and each frame
is hashed with pdqhash (the same PDQ vpdq computes per frame).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import pdqhash
from PIL import Image

from takedown.media.borders import border_box
from takedown.media.errors import MediaError
from takedown.media.limits import DEFAULT_MEMORY_MB, popen_limited, run_limited

# Bars thinner than this share of a side are left alone: a pixel or two of edge noise is not a
# letterbox, and cropping it would only move hashes away from an uncropped reference.
MIN_BAR = 0.02
SAMPLES = 5
MIN_SAMPLES = 3
# A sampled picture this flat (pixel standard deviation) is a blank or fade, not a scene.
BLANK_STD = 4.0
SAMPLE_SIDE = 320


@dataclass(frozen=True)
class CropBox:
    """A crop in source pixels: ``width`` x ``height`` starting at (``x``, ``y``)."""

    x: int
    y: int
    width: int
    height: int

    @property
    def filter(self) -> str:
        return f"crop={self.width}:{self.height}:{self.x}:{self.y}"


@dataclass(frozen=True)
class CroppedFrame:
    """The PDQ hash of one cropped frame sampled at ``timestamp`` seconds."""

    hex: str
    quality: int
    timestamp: float


def _samples(
    path: Path,
    width: int,
    height: int,
    duration: float,
    keyframes: bool,
    timeout: float,
    memory_mb: int,
) -> list[Image.Image]:
    """Up to SAMPLES frames spread over the video, shrunk to at most SAMPLE_SIDE, in one run.

    With ``keyframes`` only key frames are decoded, which keeps sampling cheap on long videos.
    """
    scale = min(1.0, SAMPLE_SIDE / max(width, height))
    w, h = max(8, round(width * scale)), max(8, round(height * scale))
    gap = max(duration, 1.0) / SAMPLES
    pick = f"select='isnan(prev_selected_t)+gte(t-prev_selected_t,{gap:.3f})'"
    args = [
        *("ffmpeg", "-nostdin", "-v", "error"),
        *(("-skip_frame", "nokey") if keyframes else ()),
        *("-i", str(path), "-map", "0:v:0", "-vf", f"{pick},scale={w}:{h}:flags=area"),
        *("-fps_mode", "passthrough", "-frames:v", str(SAMPLES + 1)),
        *("-f", "rawvideo", "-pix_fmt", "rgb24", "-"),
    ]
    try:
        done = run_limited(args, timeout=timeout, memory_mb=memory_mb)
    except MediaError:
        return []
    size = w * h * 3
    return [
        Image.fromarray(np.frombuffer(done.stdout[i : i + size], dtype=np.uint8).reshape(h, w, 3))
        for i in range(0, len(done.stdout) - size + 1, size)
    ]


def detect_letterbox(
    path: Path,
    width: int,
    height: int,
    duration: float,
    timeout: float = 30.0,
    memory_mb: int = DEFAULT_MEMORY_MB,
) -> CropBox | None:
    """The crop removing uniform bars, from frames sampled across the video; None if no bars.

    A bar must be in every sampled picture: each side keeps its thinnest bar over the samples,
    so a dark sky or a plain wall in one scene is not cut from the whole video (a reference
    and a sub-clip of it, sampled at other times, must come to the same decision). Blank
    samples (a fade to black) say nothing and are left out.
    """
    span = duration if duration > 0 else 1.0
    trims: list[tuple[float, float, float, float]] = []
    for keyframes in (True, False):
        frames = _samples(path, width, height, span, keyframes, timeout, memory_mb)
        frames = [f for f in frames if float(np.asarray(f).std()) >= BLANK_STD]
        if len(frames) >= MIN_SAMPLES:
            break  # else too few key frames (short clip, long GOP): decode them all instead
    for frame in frames:
        fw, fh = frame.size
        left, top, right, bottom = border_box(frame)
        trims.append((left / fw, top / fh, (fw - right) / fw, (fh - bottom) / fh))
    if not trims:
        return None
    left, top, right, bottom = (min(side) for side in zip(*trims, strict=True))
    if max(left, top, right, bottom) < MIN_BAR:
        return None
    # Even offsets and sizes keep the crop exact on 4:2:0 chroma; rounding inwards drops any
    # sliver of bar the reduced sample hid.
    x = _even_up(left * width)
    y = _even_up(top * height)
    w = _even_down(width - x - right * width)
    h = _even_down(height - y - bottom * height)
    if w < 16 or h < 16:
        return None
    return CropBox(x, y, w, h)


def _even_up(value: float) -> int:
    n = int(np.ceil(value - 1e-6))
    return n + (n % 2)


def _even_down(value: float) -> int:
    n = int(np.floor(value + 1e-6))
    return n - (n % 2)


_PTS = re.compile(rb"\] n: *\d+ .*?pts_time:(-?[0-9.]+)")


def _frames(
    args: list[str],
    size: tuple[int, int],
    timeout: float,
    memory_mb: int,
    pts: list[float] | None = None,
) -> Iterator[np.ndarray]:
    """Raw RGB frames from ffmpeg, one at a time, so memory stays one frame whatever the video.

    ffmpeg is killed at ``timeout``, which ends the read: a hung decoder cannot block us.
    With ``pts``, ffmpeg's ``showinfo`` lines are read from its log and each frame's
    presentation time (seconds) is appended to it, in frame order.
    """
    frame_bytes = size[0] * size[1] * 3
    process, timer = popen_limited(
        args, timeout=timeout, memory_mb=memory_mb, stderr=pts is not None
    )
    assert process.stdout is not None  # PIPE was asked for
    reader = None
    if pts is not None:
        assert process.stderr is not None
        reader = threading.Thread(target=_read_pts, args=(process.stderr, pts), daemon=True)
        reader.start()
    try:
        while True:
            chunk = process.stdout.read(frame_bytes)
            if len(chunk) < frame_bytes:
                break
            yield np.frombuffer(chunk, dtype=np.uint8).reshape(size[1], size[0], 3)
        code = process.wait()  # the pipe is closed: ffmpeg is ending (or the timer killed it)
    finally:
        timer.cancel()
        process.kill()
        process.wait()
        if reader is not None:
            reader.join(timeout=5)
    if code < 0:
        raise MediaError("ffmpeg was killed while decoding the video (time or memory limit)")


def _read_pts(stream: IO[bytes], pts: list[float]) -> None:
    for line in stream:
        found = _PTS.search(line)
        if found is not None and len(pts) < 1_000_000:
            try:
                pts.append(float(found.group(1)))
            except ValueError:
                continue


def hash_cropped(
    path: Path,
    box: CropBox | None,
    *,
    seconds_per_hash: float,
    max_seconds: float,
    max_frames: int,
    max_side: int,
    timeout: float,
    memory_mb: int = DEFAULT_MEMORY_MB,
    width: int = 0,
    height: int = 0,
) -> tuple[CroppedFrame, ...]:
    """PDQ of each ``seconds_per_hash`` frame of the first ``max_seconds``, cropped to ``box``.

    ``box`` None hashes the whole frame (``width`` x ``height``, the stream's size). Each
    frame's timestamp is its presentation time, so dropped frames or a variable frame rate
    do not shift the samples that follow (vpdq counts frames instead).
    """
    if box is not None:
        width, height = box.width, box.height
    if width <= 0 or height <= 0:
        raise MediaError("video stream has no frame size")
    if max_side > 0 and max(width, height) > max_side:
        scale = max_side / max(width, height)
        width, height = max(2, round(width * scale)), max(2, round(height * scale))
    step = max(seconds_per_hash, 0.0)
    chain = [box.filter] if box is not None else []
    if step > 0:
        # The first frame at or after each step, as vpdq takes them; ffmpeg's fps filter would
        # keep the last frame of each interval instead, most of a second later.
        chain.append(f"select='isnan(prev_selected_t)+gte(t-prev_selected_t,{step * 0.999:g})'")
    chain += ["showinfo", f"scale={width}:{height}:flags=area"]
    args = [
        *("ffmpeg", "-nostdin", "-hide_banner", "-nostats", "-v", "info"),
        *("-i", str(path), "-t", f"{max_seconds:.3f}"),
        *("-map", "0:v:0", "-vf", ",".join(chain), "-fps_mode", "passthrough"),
        *("-f", "rawvideo", "-pix_fmt", "rgb24", "-"),
    ]
    hashed: list[tuple[str, int]] = []
    pts: list[float] = []
    for number, pixels in enumerate(_frames(args, (width, height), timeout, memory_mb, pts)):
        if number >= max_frames:
            break
        bits, quality = pdqhash.compute(np.ascontiguousarray(pixels))
        hashed.append((np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex(), int(quality)))
    if len(pts) < len(hashed):
        # No usable log: every frame (step 0) or sample stands at its index.
        pts = [number * (step or 1.0) for number in range(len(hashed))]
    first = pts[0] if pts else 0.0
    return tuple(
        CroppedFrame(value, quality, round(max(0.0, t - first), 3))
        for (value, quality), t in zip(hashed, pts, strict=False)
    )
