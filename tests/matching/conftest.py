"""Shared fixtures for the matching tests: benign sample images, clips and a loaded Matcher."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
import skimage.data
from PIL import Image

from takedown.matching.engine import Matcher
from takedown.matching.hashes import ReferenceHashes
from takedown.matching.hashing import hash_reference

REFERENCE_NAMES = ("astronaut", "coffee", "chelsea", "rocket")
UNRELATED_NAMES = ("immunohistochemistry", "retina", "hubble_deep_field", "camera")
CASE_OF = {1: 10, 2: 10, 3: 20, 4: 20}


def encode(image: Image.Image, fmt: str = "JPEG", **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def samples() -> dict[str, Image.Image]:
    """scikit-image's bundled natural images, as RGB."""
    return {
        name: Image.fromarray(getattr(skimage.data, name)()).convert("RGB")
        for name in REFERENCE_NAMES + UNRELATED_NAMES
    }


@pytest.fixture(scope="session")
def reference_hashes(samples: dict[str, Image.Image]) -> dict[int, ReferenceHashes]:
    """Reference ids 1-4 (cases 10 and 20) hashed from JPEG bytes."""
    return {
        ref: hash_reference(encode(samples[name], quality=92))
        for ref, name in enumerate(REFERENCE_NAMES, start=1)
    }


@pytest.fixture(scope="session")
def matcher(reference_hashes: dict[int, ReferenceHashes]) -> Matcher:
    found = Matcher()
    for ref, hashes in reference_hashes.items():
        found.add(ref, CASE_OF[ref], hashes)
    return found


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True)


def lavfi_clip(path: Path, source: str, seconds: float, size: str = "192x144") -> Path:
    """A synthetic clip from one of ffmpeg's generated sources (testsrc2, mandelbrot, life...)."""
    ffmpeg(
        *("-f", "lavfi", "-i", f"{source}=size={size}:rate=15", "-t", str(seconds)),
        *("-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast", str(path)),
    )
    return path


@pytest.fixture(scope="session")
def video_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("clips")


@pytest.fixture(scope="session")
def reference_clip(video_dir: Path) -> Path:
    """A 12 s clip that plays the part of a victim's original video."""
    return lavfi_clip(video_dir / "reference.mp4", "testsrc2", 12)


@pytest.fixture(scope="session")
def other_clip(video_dir: Path) -> Path:
    return lavfi_clip(video_dir / "other.mp4", "mandelbrot", 10)
