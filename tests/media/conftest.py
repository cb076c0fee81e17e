"""Benign test media for the media tests: scikit-image samples and generated clips."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import numpy as np
import pytest
import skimage.data
from PIL import Image


def encode(image: Image.Image, fmt: str = "JPEG", **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def photo() -> Image.Image:
    """A 512x512 RGB photograph (scikit-image's astronaut sample)."""
    return Image.fromarray(skimage.data.astronaut())


@pytest.fixture(scope="session")
def large_photo() -> Image.Image:
    """A 1411x1411 RGB photograph (scikit-image's retina sample)."""
    return Image.fromarray(skimage.data.retina())


def make_clip(path: Path, seconds: float, *, size: str = "160x120", rate: float = 10) -> Path:
    """A synthetic test-pattern video (ffmpeg's testsrc), H.264 in MP4."""
    subprocess.run(
        [
            *("ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi"),
            *("-i", f"testsrc2=size={size}:rate={rate}", "-t", str(seconds)),
            *("-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast", str(path)),
        ],
        check=True,
    )
    return path


@pytest.fixture(scope="session")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("video") / "clip.mp4", 5)


def noise_image(width: int, height: int, seed: int = 0) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8))


@pytest.fixture(scope="session")
def clip_bytes(clip: Path) -> bytes:
    return clip.read_bytes()
