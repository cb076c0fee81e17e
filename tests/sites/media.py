"""Benign media for the test web: scikit-image's bundled sample photos and generated videos."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image

__all__ = ["SAMPLE_NAMES", "encode", "sample_image", "test_video"]

# Bundled with scikit-image (no download): objects, a cat, coffee, a rocket, coins, a camera.
SAMPLE_NAMES = ("chelsea", "coffee", "rocket", "coins", "camera", "moon", "page", "horse")
FORMATS = {
    "jpg": ("JPEG", "image/jpeg"),
    "png": ("PNG", "image/png"),
    "webp": ("WEBP", "image/webp"),
}


@cache
def _sample(name: str) -> Image.Image:
    from skimage import data

    array = np.asarray(getattr(data, name)())
    if array.dtype == bool:
        array = array.astype(np.uint8) * 255
    image = Image.fromarray(array.astype(np.uint8))
    return image.convert("RGB")


def sample_image(index: int, variant: int = 0, size: int = 320) -> Image.Image:
    """A sample photo, cropped differently per ``variant`` so every post's image is distinct."""
    image = _sample(SAMPLE_NAMES[index % len(SAMPLE_NAMES)])
    width, height = image.size
    margin = min(width, height) // 6
    shift = (variant * 7919) % max(margin, 1)
    box = (shift, shift // 2, width - margin + shift, height - margin + shift // 2)
    return image.crop(box).resize((size, size * height // width))


def encode(image: Image.Image, extension: str) -> tuple[bytes, str]:
    """(bytes, media type) of the image as JPEG, PNG or WebP."""
    fmt, media_type = FORMATS[extension]
    out = io.BytesIO()
    image.save(out, fmt, quality=85) if fmt != "PNG" else image.save(out, fmt)
    return out.getvalue(), media_type


@cache
def test_video(seconds: int = 2) -> bytes:
    """A small MP4 of ffmpeg's test pattern (b"" when ffmpeg is missing)."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return b""
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "clip.mp4"
        subprocess.run(
            [
                ffmpeg,
                "-loglevel",
                "error",
                "-f",
                "lavfi",
                "-i",
                "testsrc=size=320x240:rate=10",
                "-t",
                str(seconds),
                "-pix_fmt",
                "yuv420p",
                "-y",
                str(target),
            ],
            check=True,
            timeout=60,
        )
        return target.read_bytes()
